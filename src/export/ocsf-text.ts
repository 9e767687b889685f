// OCSF events of the common kinds (access entries: Datastore Activity; every kind
// without a class of its own: Base Event) written as JSON text directly, the same
// bytes as JSON.stringify(toOcsf(r)) with the stored entry spliced in (ocsf.ts
// ocsfSplice, the general path, which takes every other kind and every entry that is
// not stored as one line of UTF-8). Building the event object and stringifying it took
// half of the OCSF export's CPU (docs/export.md#benchmark). Members come in the order
// ocsf.ts assigns them; every value that comes from the entry goes through
// JSON.stringify (test/export/ocsf-text.test.ts compares both paths over varied entries).
import { accessView, BASE_EVENT_CLASS, DATASTORE_ACTIVITY_CLASS, INFORMATIONAL, mappingOf, ocsfSplice, OCSF_VERSION, OTHER, str, type OcsfClass } from './ocsf.js';
import type { ExportRecord, RenderedParts } from './record.js';

const q = JSON.stringify;

/** The class, activity and severity members (constants per class and activity, made once). */
const prefixes = new Map<OcsfClass, Map<[number, string], string>>();
function prefix(cls: OcsfClass, activity: [number, string]): string {
  let byActivity = prefixes.get(cls);
  if (!byActivity) prefixes.set(cls, (byActivity = new Map()));
  let p = byActivity.get(activity);
  if (p === undefined) {
    const [id, name] = activity;
    p = `{"class_uid":${cls.uid},"class_name":${q(cls.name)},"category_uid":${cls.category},"category_name":${q(cls.categoryName)},"activity_id":${id},"activity_name":${q(name)},"type_uid":${cls.uid * 100 + id},"type_name":${q(`${cls.name}: ${name}`)},"severity_id":${INFORMATIONAL[0]},"severity":${q(INFORMATIONAL[1])},"time":`;
    byActivity.set(activity, p);
  }
  return p;
}

/** ocsf.ts base(): the members every event starts with, up to and including metadata. */
function baseText(r: ExportRecord, cls: OcsfClass, activity: [number, string], message: string): string {
  const e = r.entry;
  const original = str(e.accessedAt) ? `,"original_time":${q(e.accessedAt)}` : '';
  return `${prefix(cls, activity)}${q(Date.parse(e.time))},"message":${q(message)},"metadata":{"version":"${OCSF_VERSION}","product":{"name":"ilog","vendor_name":"ilog"},"log_name":${q(r.origin)},"sequence":${r.index},"uid":${q(r.leafHash)}${original}}`;
}

/** ocsf.ts access() as text. */
function accessText(r: ExportRecord): string {
  const v = accessView(r.entry);
  let s = baseText(r, DATASTORE_ACTIVITY_CLASS, v.activity, v.message);
  s += `,"actor":{"user":{"name":${q(v.person)}${v.role ? `,"account":{"name":${q(v.role)},"type_id":99,"type":"database role"}` : ''}},"app_name":${q(v.source)}${v.session !== undefined ? `,"session":{"uid":${q(v.session)}}` : ''}}`;
  const c = v.client;
  if (c.address) s += `,"src_endpoint":{"ip":${q(c.address)}${c.application ? `,"name":${q(c.application)}` : ''}}`;
  else s += `,"src_endpoint":{"name":${q(c.application ?? v.source)}}`;
  s += `,"type_id":${v.typeId},"type":${q(v.type)},"database":{"name":${q(v.databaseName)},"type_id":${v.database ? 1 : 99},"type":${v.database ? '"Relational"' : '"Other"'}}`;
  if (v.relations.length) s += `,"table":{"name":${q(v.relations[0])}}`;
  const st = v.statement;
  if (st?.text) s += `,"query_info":{"query_string":${q(st.text)}${st.sha256 ? `,"uid":${q(st.sha256)}` : ''}}`;
  return s;
}

/** The OCSF event of `r` in parts around the stored entry: the text directly for access entries and Base Events, else ocsfSplice. */
export function ocsfParts(r: ExportRecord): RenderedParts {
  const k = r.entry.kind;
  if (r.bytes === undefined || typeof k !== 'string') return ocsfSplice(r);
  const mapping = mappingOf(k);
  let head: string;
  if (mapping === 'access') head = accessText(r);
  else if (mapping === 'base') head = baseText(r, BASE_EVENT_CLASS, OTHER, `${k} #${r.index}`);
  else return ocsfSplice(r);
  return [`${head},"unmapped":{"ilog":{"origin":${q(r.origin)},"index":${r.index},"leaf_hash":${q(r.leafHash)},"kind":${q(k)},"entry":`, r.bytes, '}}}'];
}

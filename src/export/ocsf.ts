// OCSF 1.2.0 mapping (https://schema.ocsf.io/1.2.0): access entries are Datastore
// Activity (6005), alerts and bypasses Detection Findings (2004), person and lock
// entries Account Change (3001); every other entry is a Base Event (0). Every
// event carries the log index (metadata.sequence), the leaf hash (metadata.uid)
// and the whole entry under unmapped.ilog. The mapping, field by field: docs/export.md.
import type { ExportRecord, RenderedParts } from './record.js';

const PRODUCT = { name: 'ilog', vendor_name: 'ilog' };
export const OCSF_VERSION = '1.2.0';

type Json = Record<string, unknown>;

/** Own-property look-up (an action or severity named `constructor` must not find Object's). */
function lookup<T>(table: Record<string, T>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Datastore Activity activity_id per ilog action. */
const DATASTORE_ACTIVITY: Record<string, [number, string]> = {
  select: [4, 'Query'],
  copy_out: [1, 'Read'],
  view: [1, 'Read'],
  export: [1, 'Read'],
  insert: [6, 'Create'],
  copy_in: [5, 'Write'],
  update: [2, 'Update'],
  delete: [7, 'Delete'],
};

const SEVERITY: Record<string, [number, string]> = {
  info: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

export interface OcsfClass {
  uid: number;
  name: string;
  category: number;
  categoryName: string;
}
export const DATASTORE_ACTIVITY_CLASS: OcsfClass = { uid: 6005, name: 'Datastore Activity', category: 6, categoryName: 'Application Activity' };
export const BASE_EVENT_CLASS: OcsfClass = { uid: 0, name: 'Base Event', category: 0, categoryName: 'Uncategorized' };
export const INFORMATIONAL: [number, string] = [1, 'Informational'];
export const OTHER: [number, string] = [99, 'Other'];

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function base(r: ExportRecord, cls: OcsfClass, activity: [number, string], severity: [number, string], message: string): Json {
  const metadata: Json = { version: OCSF_VERSION, product: PRODUCT, log_name: r.origin, sequence: r.index, uid: r.leafHash };
  if (str(r.entry.accessedAt)) metadata.original_time = r.entry.accessedAt;
  return {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.category,
    category_name: cls.categoryName,
    activity_id: activity[0],
    activity_name: activity[1],
    type_uid: cls.uid * 100 + activity[0],
    type_name: `${cls.name}: ${activity[1]}`,
    severity_id: severity[0],
    severity: severity[1],
    time: Date.parse(r.entry.time),
    message,
    metadata,
  };
}

/** The whole entry, under unmapped.ilog (always the event's last member: see ocsfSplice). */
function unmapped(r: ExportRecord, entry: unknown): Json {
  return { ilog: { origin: r.origin, index: r.index, leaf_hash: r.leafHash, kind: r.entry.kind, entry } };
}

/** What an access entry's Datastore Activity is made of: one derivation for the object form and the text form (ocsf-text.ts). */
export function accessView(e: ExportRecord['entry']) {
  const action = String(e.action ?? 'other');
  const relations = Array.isArray(e.relations) ? (e.relations as unknown[]) : [];
  const database = str(e.database);
  const source = String(e.source);
  const resource = e.resource as { type?: string } | undefined;
  return {
    activity: lookup(DATASTORE_ACTIVITY, action) ?? OTHER,
    message: `${String(e.person)} ${action}${relations.length ? ' ' + relations.join(', ') : ''}${str(e.purpose) ? ` purpose=${String(e.purpose)}` : ''}`,
    person: String(e.person),
    role: str(e.role),
    source,
    session: e.session !== undefined ? String(e.session) : undefined,
    client: (e.client ?? {}) as { address?: unknown; application?: unknown },
    statement: e.statement as { text?: unknown; sha256?: unknown } | undefined,
    relations,
    database,
    // at_least_one of database, databucket, table (class constraint): an app access names its resource as the database.
    databaseName: database ?? (resource?.type ? `${source}/${resource.type}` : source),
    typeId: relations.length ? 3 : database ? 1 : 99,
    type: relations.length ? 'Table' : database ? 'Database' : 'Other',
  };
}

// Events are built by assignment, not object spread: spreading base() into a literal cost
// ~15 µs an event under tsx, half of the whole export (bench:export).
function access(r: ExportRecord): Json {
  const v = accessView(r.entry);
  const event = base(r, DATASTORE_ACTIVITY_CLASS, v.activity, INFORMATIONAL, v.message);
  const user: Json = { name: v.person };
  if (v.role) user.account = { name: v.role, type_id: 99, type: 'database role' };
  const actor: Json = { user, app_name: v.source };
  if (v.session !== undefined) actor.session = { uid: v.session };
  event.actor = actor;
  const client = v.client;
  if (client.address) {
    const src: Json = { ip: client.address };
    if (client.application) src.name = client.application;
    event.src_endpoint = src;
  } else event.src_endpoint = { name: client.application ?? v.source };
  event.type_id = v.typeId;
  event.type = v.type;
  event.database = { name: v.databaseName, type_id: v.database ? 1 : 99, type: v.database ? 'Relational' : 'Other' };
  if (v.relations.length) event.table = { name: v.relations[0] };
  if (v.statement?.text) {
    const query: Json = { query_string: v.statement.text };
    if (v.statement.sha256) query.uid = v.statement.sha256;
    event.query_info = query;
  }
  return event;
}

function finding(r: ExportRecord): Json {
  const e = r.entry;
  if (e.kind === 'bypass.detected') {
    const reason = String(e.reason ?? 'unknown');
    return {
      ...base(r, { uid: 2004, name: 'Detection Finding', category: 2, categoryName: 'Findings' }, [1, 'Create'], [4, 'High'], `bypass detected: ${reason} on ${String(e.server ?? '?')}`),
      finding_info: { uid: `${r.origin}/${r.index}`, title: `bypass: ${reason}`, types: ['bypass'], ...(str(e.detail) ? { desc: e.detail } : {}) },
      status_id: 1,
      status: 'New',
      ...(str(e.person) ?? str(e.user) ? { resources: [{ type: 'person', name: str(e.person) ?? str(e.user) }] } : {}),
    };
  }
  // alert.raised and the review entries that follow it (alert.ack / alert.closed / alert.suppressed …).
  const raised = e.kind === 'alert.raised';
  const alertUid = `${r.origin}/${raised ? r.index : String(e.alert ?? e.about ?? r.index)}`;
  const activity: [number, string] = raised ? [1, 'Create'] : e.kind === 'alert.closed' ? [3, 'Close'] : [2, 'Update'];
  const severity = lookup(SEVERITY, String(e.severity)) ?? [raised ? 0 : 1, raised ? 'Unknown' : 'Informational'];
  const reasons = Array.isArray(e.reasons) ? (e.reasons as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  const title = raised ? `${String(e.rule ?? 'alert')}: ${reasons[0] ?? 'alert raised'}` : `${e.kind} of alert ${alertUid}`;
  const status: [number, string] = e.kind === 'alert.closed' ? [4, 'Resolved'] : e.kind === 'alert.suppressed' ? [3, 'Suppressed'] : raised ? [1, 'New'] : [2, 'In Progress'];
  return {
    ...base(r, { uid: 2004, name: 'Detection Finding', category: 2, categoryName: 'Findings' }, activity, severity, title),
    finding_info: { uid: alertUid, title, ...(raised && str(e.rule) ? { types: [String(e.rule)] } : {}) },
    status_id: status[0],
    status: status[1],
    ...(typeof e.score === 'number' ? { risk_score: Math.round(e.score) } : {}),
    ...(str(e.subject) ? { resources: [{ type: 'person', name: e.subject }] } : {}),
  };
}

/** Account Change activity per person / lock entry kind. */
const ACCOUNT_ACTIVITY: Record<string, [number, string]> = {
  'user.add': [1, 'Create'],
  'user.added': [1, 'Create'],
  'user.remove': [6, 'Delete'],
  'user.removed': [6, 'Delete'],
  'user.password': [3, 'Password Change'],
  'lock.set': [9, 'Lock'],
  'lockdown.set': [9, 'Lock'],
  'lock.lifted': [2, 'Enable'],
  'lockdown.lifted': [2, 'Enable'],
};

function accountChange(r: ExportRecord, activity: [number, string]): Json {
  const e = r.entry;
  const person = str(e.person) ?? (e.kind.startsWith('lockdown.') ? '*' : 'unknown');
  return {
    ...base(r, { uid: 3001, name: 'Account Change', category: 3, categoryName: 'Identity & Access Management' }, activity, e.kind.startsWith('lock') ? [3, 'Medium'] : [1, 'Informational'], `${e.kind} ${person}${str(e.reason) ? `: ${String(e.reason)}` : ''}`),
    user: { name: person, ...(str(e.role) ? { account: { name: String(e.role), type_id: 99, type: 'database role' } } : {}) },
    ...(str(e.by) ? { actor: { user: { name: String(e.by) } } } : {}),
    status_id: 1,
    status: 'Success',
  };
}

/** Which mapping an entry kind takes. */
export function mappingOf(k: string): 'access' | 'finding' | 'account' | 'base' {
  if (k === 'access') return 'access';
  if (k === 'bypass.detected' || (k.startsWith('alert.') && k !== 'alert.delivery')) return 'finding';
  return lookup(ACCOUNT_ACTIVITY, k) ? 'account' : 'base';
}

/** The OCSF event for one exported record, without unmapped. */
function event(r: ExportRecord): Json {
  const k = r.entry.kind;
  switch (mappingOf(k)) {
    case 'access':
      return access(r);
    case 'finding':
      return finding(r);
    case 'account':
      return accountChange(r, lookup(ACCOUNT_ACTIVITY, k)!);
    default:
      return base(r, BASE_EVENT_CLASS, OTHER, INFORMATIONAL, `${k} #${r.index}`);
  }
}

/** The OCSF event for one exported record. */
export function toOcsf(r: ExportRecord): Json {
  const ev = event(r);
  ev.unmapped = unmapped(r, r.entry);
  return ev;
}

/** Stands for the entry while the event is stringified; its JSON form is spliced out for the entry's own text. */
const MARK = '\u0000ilog-entry\u0000';
const MARK_JSON = JSON.stringify(MARK);

/**
 * JSON.stringify(toOcsf(r)) in parts, the entry as stored in the middle instead of
 * re-serialised: the general path (ocsf-text.ts writes the common kinds' text directly,
 * the same bytes). The mark is the last string of the text (unmapped.ilog.entry is its
 * last member), so an entry that contains the mark's text cannot move the split.
 */
export function ocsfSplice(r: ExportRecord): RenderedParts {
  if (r.bytes === undefined) return [JSON.stringify(toOcsf(r)), undefined, ''];
  const ev = event(r);
  ev.unmapped = unmapped(r, MARK);
  const s = JSON.stringify(ev);
  const at = s.lastIndexOf(MARK_JSON);
  return [s.slice(0, at), r.bytes, s.slice(at + MARK_JSON.length)];
}

// The batch API's fast path (POST /v1/access at tens of thousands of accesses a
// second): the common, well-formed request is checked by hand and its `access`
// entry written straight to RFC 8785 canonical bytes, instead of two zod
// passes (request, then entry) and a generic canonicaliser — together 80% of
// the request path's CPU (docs/detect.md "Benchmark").
// It only ever accepts: anything unusual (an unknown field, a wrong type, a
// limit crossed, a lone surrogate) returns undefined and the request goes
// through accessEntryFromRequest and encodeEntry, which name the error. So the
// fast path cannot accept what the schemas refuse, nor encode differently;
// test/app/access-bytes.test.ts compares both on generated and mutated requests.
import { utf8 } from '../../ledger/bytes.js';
import { MAX_ENTRY_SIZE } from '../../ledger/tiles.js';
import { accessTime, type AccessEntryOptions } from './access-request.js';

const TOP = new Set(['actor', 'action', 'resource', 'purpose', 'rows', 'time', 'role', 'session', 'client']);
const ACTION = /^[a-z][a-z0-9_.-]{0,31}$/;
const SOURCE = /^app:[^\s:]+$/;
/** With the u flag a surrogate pair is one code point: only lone surrogates match (RFC 8785 has no form for them). */
const LONE_SURROGATE = /\p{Cs}/u;

/** A trimmed, non-empty, well-formed string of at most `max` UTF-16 units, else undefined (zod's `text(max)`). */
function text(x: unknown, max: number): string | undefined {
  if (typeof x !== 'string') return undefined;
  const t = x.trim();
  return t.length >= 1 && t.length <= max && !LONE_SURROGATE.test(t) ? t : undefined;
}

/** An optional `text(max)`: absent is fine (returns null), present must be valid (undefined otherwise). */
function optText(o: Record<string, unknown>, k: string, max: number): string | null | undefined {
  return o[k] === undefined ? null : text(o[k], max);
}

const own = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const q = JSON.stringify; // a string's RFC 8785 form (and an array of strings')

/**
 * The canonical JSON text of the `access` entry for a request body, or undefined when the
 * body is anything but plainly valid (then the schema path decides and explains).
 */
export function accessEntryJson(body: unknown, o: AccessEntryOptions): string | undefined {
  if (!own(body)) return undefined;
  for (const k in body) if (!TOP.has(k)) return undefined;
  const actor = text(body.actor, 256);
  const action = body.action;
  if (actor === undefined || typeof action !== 'string' || !ACTION.test(action)) return undefined;
  const r = body.resource;
  if (!own(r)) return undefined;
  for (const k in r) if (k !== 'type' && k !== 'id' && k !== 'ids') return undefined;
  const type = text(r.type, 64);
  if (type === undefined || (r.id === undefined) === (r.ids === undefined)) return undefined;
  let ids: string[];
  if (r.id !== undefined) {
    const id = text(r.id, 256);
    if (id === undefined) return undefined;
    ids = [id];
  } else {
    if (!Array.isArray(r.ids) || r.ids.length < 1 || r.ids.length > 500) return undefined;
    ids = [];
    for (const x of r.ids) {
      const id = text(x, 256);
      if (id === undefined) return undefined;
      ids.push(id);
    }
  }
  const purpose = optText(body, 'purpose', 1000);
  const role = optText(body, 'role', 128);
  const session = optText(body, 'session', 128);
  if (purpose === undefined || role === undefined || session === undefined) return undefined;
  const rows = body.rows;
  if (rows !== undefined && !(typeof rows === 'number' && Number.isSafeInteger(rows) && rows >= 0)) return undefined;
  const time = body.time;
  if (time !== undefined && !(typeof time === 'string' && time.length <= 40)) return undefined;
  let client = '';
  if (body.client !== undefined) {
    const c = body.client;
    if (!own(c)) return undefined;
    for (const k in c) if (k !== 'address' && k !== 'application') return undefined;
    const address = optText(c, 'address', 64);
    const application = optText(c, 'application', 128);
    if (address === undefined || application === undefined) return undefined;
    // Keys in RFC 8785 order (UTF-16 code units), like every object below.
    client = `"client":{${address !== null ? `"address":${q(address)}` : ''}${address !== null && application !== null ? ',' : ''}${application !== null ? `"application":${q(application)}` : ''}},`;
  }
  const source = `app:${o.app}`;
  if (!SOURCE.test(source) || LONE_SURROGATE.test(source)) return undefined;
  let when: { time: string; accessedAt?: string };
  try {
    when = accessTime(time as string | undefined, o);
  } catch {
    return undefined;
  }
  // Canonical JSON written out, keys sorted: JSON.stringify's string and integer forms are RFC 8785's.
  const json =
    `{${when.accessedAt !== undefined ? `"accessedAt":${q(when.accessedAt)},` : ''}"action":${q(action)},${client}"kind":"access","person":${q(actor)},` +
    `${purpose !== null ? `"purpose":${q(purpose)},` : ''}"resource":{"ids":${q(ids)},"type":${q(type)}},${role !== null ? `"role":${q(role)},` : ''}` +
    `${rows !== undefined ? `"rows":${q(rows)},` : ''}${session !== null ? `"session":${q(session)},` : ''}"source":${q(source)},"time":${q(when.time)},"v":1}`;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only near the limit.
  return json.length * 3 <= MAX_ENTRY_SIZE || utf8.encode(json).byteLength <= MAX_ENTRY_SIZE ? json : undefined;
}

/** accessEntryJson's UTF-8 bytes. */
export function accessEntryBytes(body: unknown, o: AccessEntryOptions): Uint8Array | undefined {
  const json = accessEntryJson(body, o);
  return json === undefined ? undefined : utf8.encode(json);
}

/**
 * The UTF-8 bytes of many entries' texts, as views of one buffer: one allocation for a
 * whole batch instead of one per entry (0.3 against 1.2 µs an entry, bench:detect).
 */
export function utf8Many(texts: readonly string[]): Uint8Array[] {
  let max = 0;
  for (const t of texts) max += t.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
  const all = Buffer.allocUnsafe(max);
  const out: Uint8Array[] = new Array(texts.length);
  let off = 0;
  for (let i = 0; i < texts.length; i++) {
    const n = all.write(texts[i]!, off);
    out[i] = all.subarray(off, off + n);
    off += n;
  }
  return out;
}

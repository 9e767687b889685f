// Building `access` and `outcome` entries (schemas in docs/dev/contracts.md).
// Values never enter the log in clear: each literal and bind value becomes
// HMAC-SHA256(key, value) in hex, so whoever holds `<dir>/hmac.key` can ask
// "who queried value X" and nobody can read values off the log.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeEntry } from '../../ledger/entry.js';
import { IlogError } from '../../ledger/errors.js';
import { MAX_ENTRY_SIZE } from '../../ledger/tiles.js';
import type { Action } from './classify.js';

const MAX_TEXT = 4096;
const MAX_VALUES = 256;

/** Loads `<dir>/hmac.key` (32 bytes, hex), creating it durably (0600) on first use. */
export function loadHmacKey(dir: string): Buffer {
  const path = join(dir, 'hmac.key');
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    writeSync(fd, randomBytes(32).toString('hex') + '\n');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    const d = openSync(dirname(path), 'r');
    fsyncSync(d);
    closeSync(d);
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  if (key.length < 16) throw new IlogError('BAD_KEY', `${path} does not hold a hex HMAC key of at least 16 bytes`);
  return key;
}

export function hmacValue(key: Buffer, value: string | Buffer): string {
  return createHmac('sha256', key).update(value).digest('hex');
}

/** Who and where: the same for every statement of a session. */
export interface SessionFacts {
  person: string;
  session: string;
  role: string;
  database: string;
  client: { address?: string; application?: string };
}

export interface StatementFacts {
  kind: string;
  action: Action;
  relations: string[];
  /** Names in `relations` not pinned to one schema (search-path.ts). */
  unresolved?: string[];
  /** Normalised SQL inside the statement (DO / function bodies, SQL string arguments). */
  body?: { text: string; opaque: boolean };
  /** The proxy's own statement on the person's backend. */
  byProxy?: boolean;
  normalized: string;
  /** HMACs of the literal and bind values (see hmacValue), in $n order. */
  values: string[];
  purpose?: string;
  /** The upstream backend and its statement number (see UpstreamRun), for the pgAudit reconciler. */
  upstream?: { pid: number; port?: number; seq: number; query: string };
}

/** The first `max` UTF-16 units of `text`, never ending in half a surrogate pair (a lone surrogate has no canonical JSON form). */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const c = text.charCodeAt(max - 1);
  return text.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/**
 * The access entry of one statement. Every object's keys are written in RFC 8785
 * order (UTF-16 code units; keep it so when adding a field — entry-bytes.test.ts
 * fails otherwise), so JSON.stringify of it is its canonical form: see accessEntryBytes.
 */
export function accessEntry(s: SessionFacts, st: StatementFacts, outcome?: StatementOutcome): object {
  const truncated = st.normalized.length > MAX_TEXT || st.values.length > MAX_VALUES;
  const values = st.values.length > MAX_VALUES ? st.values.slice(0, MAX_VALUES) : st.values;
  const up = st.upstream;
  return {
    action: st.action,
    ...(st.byProxy ? { by: 'proxy' } : {}),
    client: { address: s.client.address, application: s.client.application },
    database: s.database,
    kind: 'access',
    ...(outcome ? { outcome: outcomeFields(outcome) } : {}),
    person: s.person,
    ...(st.purpose !== undefined ? { purpose: st.purpose } : {}),
    relations: st.relations,
    role: s.role,
    session: s.session,
    source: 'pg-proxy',
    statement: {
      ...(st.body ? { body: bodyField(st.body) } : {}),
      kind: st.kind,
      sha256: createHash('sha256').update(st.normalized, 'utf8').digest('hex'),
      text: cut(st.normalized, MAX_TEXT),
      ...(truncated ? { truncated: true } : {}),
      values,
    },
    time: new Date().toISOString(),
    ...(st.unresolved?.length ? { unresolved: st.unresolved } : {}),
    ...(up ? { upstream: { pid: up.pid, port: up.port, query: up.query, seq: up.seq } } : {}),
    v: 1,
  };
}

function bodyField(b: { text: string; opaque: boolean }): object {
  return {
    ...(b.opaque ? { opaque: true } : {}),
    sha256: createHash('sha256').update(b.text, 'utf8').digest('hex'),
    text: cut(b.text, MAX_TEXT),
    ...(b.text.length > MAX_TEXT ? { truncated: true } : {}),
  };
}

/** A lone surrogate: no canonical JSON form (encodeEntry refuses it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (x: string): boolean => !LONE_SURROGATE.test(x);
const HEX256 = /^[0-9a-f]{64}$/;

/**
 * What every entry of a session says about the session, as canonical JSON text: made once per
 * session, after encodeEntry checked those facts against the schema (SessionFacts do not change).
 */
interface SessionJson {
  client: string;
  database: string;
  person: string;
  role: string;
  session: string;
}
const sessionJson = new WeakMap<SessionFacts, SessionJson>();

/** The statement fields the schema constrains, as the proxy makes them; anything unusual takes encodeEntry's path. */
function usualStatement(st: StatementFacts): boolean {
  const up = st.upstream;
  return (
    st.kind !== '' &&
    (st.purpose === undefined || wellFormed(st.purpose)) &&
    wellFormed(st.normalized) &&
    st.relations.every((r) => r !== '' && wellFormed(r)) &&
    (st.unresolved ?? []).every((r) => r !== '' && wellFormed(r)) &&
    (st.body === undefined || wellFormed(st.body.text)) &&
    (up === undefined ||
      (Number.isInteger(up.pid) && up.pid > 0 && up.pid <= 2 ** 31 - 1 && Number.isSafeInteger(up.seq) && up.seq > 0 &&
        (up.port === undefined || (Number.isInteger(up.port) && up.port >= 0 && up.port <= 65535)) && HEX256.test(up.query)))
  );
}

/**
 * accessEntry's canonical bytes without the per-entry schema check and RFC 8785
 * pass of encodeEntry (the proxy's hot path). Equal to encodeEntry(accessEntry(…))
 * byte for byte (test/capture/entry-bytes.test.ts): the JSON text is written out
 * with its keys in order (accessEntryJson), JSON.stringify writes strings and
 * integers as RFC 8785 does, and what the schema constrains is checked here — the
 * session's facts once, the statement's fields by how the proxy makes them.
 * Anything unusual takes the slow path.
 */
export function accessEntryBytes(s: SessionFacts, st: StatementFacts, outcome?: StatementOutcome): Uint8Array {
  let facts = sessionJson.get(s);
  if (facts === undefined) {
    encodeEntry(accessEntry(s, st, outcome)); // throws INVALID_ENTRY for facts the schema refuses
    facts = { client: q({ address: s.client.address, application: s.client.application }), database: q(s.database), person: q(s.person), role: q(s.role), session: q(s.session) };
    sessionJson.set(s, facts);
  }
  if (!usualStatement(st) || (outcome !== undefined && !usualOutcome(outcome))) return encodeEntry(accessEntry(s, st, outcome));
  const json = accessEntryJson(facts, st, outcome);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only near the limit.
  return json.length * 3 <= MAX_ENTRY_SIZE ? Buffer.from(json, 'utf8') : bytesOf(accessEntry(s, st, outcome));
}

const q = JSON.stringify; // a string's (or an array of strings', an integer's) RFC 8785 form

/**
 * accessEntry as canonical JSON text, written out (no object, no spread, no generic
 * stringify: 3.4 against 9.5–12.5 µs a statement measured on this machine, docs/proxy.md
 * "Sixth round"). Keys in the order accessEntry writes them; keep the two in step.
 */
function accessEntryJson(f: SessionJson, st: StatementFacts, outcome: StatementOutcome | undefined): string {
  const truncated = st.normalized.length > MAX_TEXT || st.values.length > MAX_VALUES;
  const values = st.values.length > MAX_VALUES ? st.values.slice(0, MAX_VALUES) : st.values;
  const up = st.upstream;
  return (
    `{"action":${q(st.action)},${st.byProxy ? '"by":"proxy",' : ''}"client":${f.client},"database":${f.database},"kind":"access",` +
    `${outcome ? `"outcome":${outcomeJson(outcome)},` : ''}"person":${f.person},${st.purpose !== undefined ? `"purpose":${q(st.purpose)},` : ''}` +
    `"relations":${q(st.relations)},"role":${f.role},"session":${f.session},"source":"pg-proxy",` +
    `"statement":{${st.body ? `"body":${q(bodyField(st.body))},` : ''}"kind":${q(st.kind)},"sha256":"${textSha256(st.normalized)}",` +
    `"text":${q(cut(st.normalized, MAX_TEXT))},${truncated ? '"truncated":true,' : ''}"values":${q(values)}},` +
    `"time":"${new Date().toISOString()}",${st.unresolved?.length ? `"unresolved":${q(st.unresolved)},` : ''}` +
    `${up ? `"upstream":{"pid":${up.pid},${up.port !== undefined ? `"port":${up.port},` : ''}"query":"${up.query}","seq":${up.seq}},` : ''}"v":1}`
  );
}

/** outcomeFields as canonical JSON text. */
function outcomeJson(o: StatementOutcome): string {
  return (
    `{${o.command ? `"command":${q(o.command)},` : ''}"durationMs":${q(Math.round(o.durationMs * 1000) / 1000)},` +
    `${o.rows !== undefined ? `"rows":${o.rows},` : ''}${o.sqlstate ? `"sqlstate":${q(o.sqlstate)},` : ''}"status":${q(o.status)}}`
  );
}

/**
 * SHA-256 (hex) of a normalised statement text: the same few texts come back statement after
 * statement (one per shape), so recent ones are remembered (bounded: at most 1,024 texts of up to
 * 2,048 characters).
 */
const digests = new Map<string, string>();
function textSha256(text: string): string {
  let d = digests.get(text);
  if (d === undefined) {
    d = createHash('sha256').update(text, 'utf8').digest('hex');
    if (text.length <= 2048) {
      if (digests.size >= 1024) digests.clear();
      digests.set(text, d);
    }
  }
  return d;
}

/** UTF-8 JSON of an object built in canonical key order; oversized entries get encodeEntry's ENTRY_TOO_LARGE. */
function bytesOf(entry: object): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(entry), 'utf8');
  return bytes.byteLength > MAX_ENTRY_SIZE ? encodeEntry(entry) : bytes;
}

/** How one statement ended, as PostgreSQL answered it. */
export interface StatementOutcome {
  status: 'ok' | 'error';
  rows?: number;
  sqlstate?: string;
  command?: string;
  durationMs: number;
}

export interface OutcomeFacts extends StatementOutcome {
  access: number;
  session: string;
}

/** The outcome fields shared by an `outcome` entry and an `access` entry's own `outcome`, in RFC 8785 order. */
function outcomeFields(o: StatementOutcome): object {
  return {
    ...(o.command ? { command: o.command } : {}),
    durationMs: Math.round(o.durationMs * 1000) / 1000,
    ...(o.rows !== undefined ? { rows: o.rows } : {}),
    ...(o.sqlstate ? { sqlstate: o.sqlstate } : {}),
    status: o.status,
  };
}

/** The outcome entry of one statement, keys in RFC 8785 order (see accessEntry). */
export function outcomeEntry(o: OutcomeFacts): { access: number; session: string } & Record<string, unknown> {
  return {
    access: o.access,
    ...(o.command ? { command: o.command } : {}),
    durationMs: Math.round(o.durationMs * 1000) / 1000,
    kind: 'outcome',
    ...(o.rows !== undefined ? { rows: o.rows } : {}),
    session: o.session,
    ...(o.sqlstate ? { sqlstate: o.sqlstate } : {}),
    status: o.status,
    time: new Date().toISOString(),
    v: 1,
  };
}

/** Outcome values from upstream that the schema constrains, as the proxy makes them; anything unusual takes encodeEntry's path. */
function usualOutcome(o: StatementOutcome): boolean {
  return Number.isFinite(o.durationMs) && o.durationMs >= 0 && (o.rows === undefined || (Number.isSafeInteger(o.rows) && o.rows >= 0)) &&
    (!o.sqlstate || /^[0-9A-Z]{5}$/.test(o.sqlstate)) && (!o.command || wellFormed(o.command));
}

/** outcomeEntry's canonical bytes (see accessEntryBytes); values from upstream that the schema may refuse take the slow path. */
export function outcomeEntryBytes(o: OutcomeFacts, entry: object = outcomeEntry(o)): Uint8Array {
  const usual = Number.isSafeInteger(o.access) && o.access >= 0 && o.session !== '' && usualOutcome(o);
  return usual ? bytesOf(entry) : encodeEntry(entry);
}

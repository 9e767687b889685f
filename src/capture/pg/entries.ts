// Building `access` and `outcome` entries (schemas in docs/dev/contracts.md).
// Values never enter the log in clear: each literal and bind value becomes
// HMAC-SHA256(key, value) in hex, so whoever holds `<dir>/hmac.key` can ask
// "who queried value X" and nobody can read values off the log.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IlogError } from '../../ledger/errors.js';
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

export function accessEntry(s: SessionFacts, st: StatementFacts): object {
  const truncated = st.normalized.length > MAX_TEXT || st.values.length > MAX_VALUES;
  const values = st.values.length > MAX_VALUES ? st.values.slice(0, MAX_VALUES) : st.values;
  return {
    v: 1,
    kind: 'access',
    time: new Date().toISOString(),
    source: 'pg-proxy',
    person: s.person,
    session: s.session,
    role: s.role,
    database: s.database,
    client: s.client,
    ...(st.purpose !== undefined ? { purpose: st.purpose } : {}),
    action: st.action,
    relations: st.relations,
    ...(st.unresolved?.length ? { unresolved: st.unresolved } : {}),
    ...(st.byProxy ? { by: 'proxy' } : {}),
    statement: {
      kind: st.kind,
      text: st.normalized.length > MAX_TEXT ? st.normalized.slice(0, MAX_TEXT) : st.normalized,
      sha256: createHash('sha256').update(st.normalized, 'utf8').digest('hex'),
      ...(truncated ? { truncated: true } : {}),
      values,
      ...(st.body ? { body: bodyField(st.body) } : {}),
    },
    ...(st.upstream ? { upstream: st.upstream } : {}),
  };
}

function bodyField(b: { text: string; opaque: boolean }): object {
  return {
    text: b.text.length > MAX_TEXT ? b.text.slice(0, MAX_TEXT) : b.text,
    sha256: createHash('sha256').update(b.text, 'utf8').digest('hex'),
    ...(b.text.length > MAX_TEXT ? { truncated: true } : {}),
    ...(b.opaque ? { opaque: true } : {}),
  };
}

export interface OutcomeFacts {
  access: number;
  session: string;
  status: 'ok' | 'error';
  rows?: number;
  sqlstate?: string;
  command?: string;
  durationMs: number;
}

export function outcomeEntry(o: OutcomeFacts): { access: number; session: string } & Record<string, unknown> {
  return {
    v: 1,
    kind: 'outcome',
    time: new Date().toISOString(),
    access: o.access,
    session: o.session,
    status: o.status,
    ...(o.rows !== undefined ? { rows: o.rows } : {}),
    ...(o.sqlstate ? { sqlstate: o.sqlstate } : {}),
    ...(o.command ? { command: o.command } : {}),
    durationMs: Math.round(o.durationMs * 1000) / 1000,
  };
}

// Builds `access` / `outcome` entries exactly as the capture proxy
// (src/capture/pg/entries.ts) and the application API
// (src/capture/app/access-request.ts) write them, so the evaluation feeds the
// detector the same shapes production does. Events carry their time as a number
// until the generator sorts them and assigns log indexes.
import { createHash, createHmac } from 'node:crypto';
import type { Person } from './org.js';

/** Who an entry is about: the generators' people all have a name and a role. */
export type Actor = Pick<Person, 'name' | 'role'>;

export interface RawEvent {
  t: number;
  entry: Record<string, unknown>;
  /** For an outcome: the access it completes (its index is filled in at sequencing). */
  parent?: RawEvent;
  /** Misuse instance id, if this event is part of one. */
  label?: string;
  index?: number;
}

const HMAC_KEY = Buffer.from('ilog-eval-hmac-key-not-a-secret');
const hmacCache = new Map<string, string>();
const shaCache = new Map<string, string>();

export function hmac(value: string): string {
  let h = hmacCache.get(value);
  if (!h) {
    h = createHmac('sha256', HMAC_KEY).update(value).digest('hex');
    if (hmacCache.size < 500_000) hmacCache.set(value, h);
  }
  return h;
}

function sha(text: string): string {
  let h = shaCache.get(text);
  if (!h) {
    h = createHash('sha256').update(text).digest('hex');
    shaCache.set(text, h);
  }
  return h;
}

export interface AppAccess {
  app: string;
  action: string;
  type: string;
  ids: string[];
  purpose?: string;
  address: string;
  rows?: number;
}

export function appAccess(t: number, p: Actor, a: AppAccess, label?: string): RawEvent {
  return {
    t,
    label,
    entry: {
      v: 1,
      kind: 'access',
      source: `app:${a.app}`,
      person: p.name,
      action: a.action,
      resource: { type: a.type, ids: a.ids },
      ...(a.purpose !== undefined ? { purpose: a.purpose } : {}),
      rows: a.rows ?? a.ids.length,
      role: p.role,
      session: `${a.app}-${p.name}-${Math.floor(t / 86_400_000)}`,
      client: { address: a.address, application: a.app },
    },
  };
}

export interface SqlAccess {
  kind: string;
  action: string;
  relations: string[];
  text: string;
  values: string[];
  purpose?: string;
  address: string;
  rows: number;
  durationMs?: number;
}

/** An access entry and its outcome (the proxy appends the outcome when the statement completes). */
export function sqlAccess(t: number, p: Actor, s: SqlAccess, label?: string): RawEvent[] {
  const session = `pg-${p.name}-${Math.floor(t / 86_400_000)}`;
  const access: RawEvent = {
    t,
    label,
    entry: {
      v: 1,
      kind: 'access',
      source: 'pg-proxy',
      person: p.name,
      session,
      role: p.role,
      database: 'hospital',
      client: { address: s.address, application: 'psql' },
      ...(s.purpose !== undefined ? { purpose: s.purpose } : {}),
      action: s.action,
      relations: s.relations,
      statement: { kind: s.kind, text: s.text, sha256: sha(s.text), values: s.values.map(hmac) },
    },
  };
  const durationMs = s.durationMs ?? 2 + s.rows / 50;
  const command = s.action === 'select' ? `SELECT ${s.rows}` : s.action === 'copy_out' ? `COPY ${s.rows}` : s.kind.replace(/Stmt$/, '').toUpperCase();
  const outcome: RawEvent = {
    t: t + Math.max(1, Math.round(durationMs)),
    label,
    parent: access,
    entry: { v: 1, kind: 'outcome', session, status: 'ok', ...(s.action === 'select' || s.action === 'copy_out' ? { rows: s.rows } : {}), command, durationMs },
  };
  return [access, outcome];
}

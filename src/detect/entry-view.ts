// The detector's view of log entries (contracts.md "Entries": `access`,
// `outcome`, `bypass.detected`, `governance.*`, `user.*`). Entries reach the
// detector already validated by the ledger, but the detector must never crash on
// a kind or field it does not know, so this module reads fields defensively and
// returns `undefined` for anything it cannot use.
import { parseTime } from './iso-time.js';
import { Memo } from './stats/memo.js';

/** Lists of a view may be shared (with each other, with other views): replace them, never change them in place. */
export interface AccessView {
  kind: 'access';
  /** When the access happened: `accessedAt` for imported or backfilled accesses, else the entry's time. */
  time: number;
  /** When it was logged (the entry's own time). */
  loggedAt: number;
  source: string;
  person: string;
  /** Peer group: the upstream or app role; persons without one share "(no role)". */
  group: string;
  session: string | undefined;
  address: string | undefined;
  purpose: string | undefined;
  action: string;
  relations: string[];
  resourceType: string | undefined;
  /** Record keys: resource ids (prefixed by type) and statement value HMACs. */
  keys: string[];
  /** The subset of keys that name records (`resource.ids`); statement values may be any literal. */
  recordIds: string[];
  /** Upper-cased statement kind without "STMT"/separators, e.g. GRANT, ALTERROLE. */
  statementKind: string | undefined;
  statementText: string | undefined;
  rows: number | undefined;
}

export interface OutcomeView {
  kind: 'outcome';
  time: number;
  access: number;
  rows: number | undefined;
  ok: boolean;
}

/** Entries that are about a person but not an access: bypass, governance, user changes. */
export interface EventView {
  kind: string;
  time: number;
  /** Who did it (proposer, actor, the database user of a bypass). */
  actor: string | undefined;
  /** Who it is for (the user created/granted/changed). */
  targets: string[];
  raw: Record<string, unknown>;
}

/** `access.objects`: the objects PostgreSQL itself reported for the statement of access entry `access` (pgAudit reconciler). */
export interface ObjectsView {
  kind: 'access.objects';
  time: number;
  access: number;
  objects: string[];
}

export type EntryView = AccessView | OutcomeView | ObjectsView | EventView;

const NO_ROLE = '(no role)';
const READ_ACTIONS = new Set(['select', 'copy_out', 'view', 'export', 'read', 'search', 'download']);

export function isRead(action: string): boolean {
  return READ_ACTIONS.has(action);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Shared by every view without the list (most accesses name no tables and no statement values); never mutated. */
const NONE: string[] = [];

function strings(v: unknown, max = 1000): string[] {
  if (!Array.isArray(v) || v.length === 0) return NONE;
  const out: string[] = [];
  for (const x of v) {
    if (typeof x === 'string' && x.length > 0) out.push(x);
    if (out.length >= max) break;
  }
  return out;
}

export function normaliseStatementKind(kind: string): string {
  return kind.toUpperCase().replace(/STMT$/, '').replace(/[^A-Z]/g, '');
}

/** Statement kinds are few (SelectStmt, CopyStmt, GrantStmt, ...): normalise each once. */
const KINDS = new Memo(normaliseStatementKind, 1024);

export function viewEntry(entry: unknown): EntryView | undefined {
  const e = obj(entry);
  if (!e) return undefined;
  const kind = str(e.kind);
  const timeText = str(e.time);
  if (!kind || !timeText) return undefined;
  const time = parseTime(timeText);
  if (!Number.isFinite(time)) return undefined;
  if (kind === 'access') return viewAccess(e, time);
  if (kind === 'outcome') {
    const access = num(e.access);
    if (access === undefined || !Number.isInteger(access)) return undefined;
    return { kind, time, access, rows: num(e.rows), ok: e.status !== 'error' };
  }
  if (kind === 'access.objects') {
    const access = num(e.access);
    if (access === undefined || !Number.isInteger(access)) return undefined;
    return { kind, time, access, objects: strings(e.objects, 256) };
  }
  if (kind === 'bypass.detected' || kind.startsWith('governance.') || kind.startsWith('user.') || kind === 'context.update') return viewEvent(kind, time, e);
  return undefined;
}

function viewAccess(e: Record<string, unknown>, time: number): AccessView | undefined {
  const person = str(e.person);
  if (!person) return undefined;
  const client = obj(e.client);
  const resource = obj(e.resource);
  const statement = obj(e.statement);
  const resourceType = resource ? str(resource.type) : undefined;
  const recordIds = strings(resource?.ids);
  const values = strings(statement?.values);
  const keys = values.length === 0 ? recordIds : recordIds.concat(values);
  const kind = statement ? str(statement.kind) : undefined;
  const accessedAt = str(e.accessedAt) ? parseTime(e.accessedAt as string) : NaN;
  return {
    kind: 'access',
    time: Number.isFinite(accessedAt) ? accessedAt : time,
    loggedAt: time,
    source: str(e.source) ?? 'unknown',
    person,
    group: str(e.role) ?? NO_ROLE,
    session: str(e.session),
    address: client ? str(client.address) : undefined,
    purpose: str(e.purpose),
    action: (str(e.action) ?? 'other').toLowerCase(),
    relations: strings(e.relations, 64),
    resourceType,
    keys,
    recordIds,
    statementKind: kind ? KINDS.of(kind) : undefined,
    statementText: statement ? str(statement.text) : undefined,
    rows: num(e.rows) ?? ownRows(e),
  };
}

/** Rows of an access entry that carries its own outcome (the proxy's reads: docs/proxy.md); undefined when it failed. */
function ownRows(e: Record<string, unknown>): number | undefined {
  const o = obj(e.outcome);
  return o && o.status !== 'error' ? num(o.rows) : undefined;
}

/** An admin's name is the first field of their vkey (`name+keyhash+key`, C2SP signed-note). */
function signerName(e: Record<string, unknown>): string | undefined {
  const sig = obj(e.signature);
  const vkey = sig ? str(sig.signer) : undefined;
  return vkey ? vkey.slice(0, vkey.indexOf('+') > 0 ? vkey.indexOf('+') : undefined) : undefined;
}

/** Persons and admins a governance proposal's changes are about (person.add/update, admins.set, ...). */
function changeTargets(e: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const c of Array.isArray(e.changes) ? e.changes : []) {
    const ch = obj(c);
    if (!ch) continue;
    const person = str(ch.person);
    if (person) out.push(person);
    for (const a of Array.isArray(ch.admins) ? ch.admins : []) {
      const name = str(obj(a)?.name);
      if (name) out.push(name);
    }
  }
  return out;
}

function viewEvent(kind: string, time: number, e: Record<string, unknown>): EventView {
  if (kind === 'context.update') return { kind, time, actor: undefined, targets: [], raw: e };
  if (kind === 'bypass.detected') {
    const actor = str(e.person) ?? str(e.user) ?? str(e.dbUser) ?? str(e.role);
    return { kind, time, actor, targets: [], raw: e };
  }
  if (kind.startsWith('user.')) {
    // The proxy's simple form names no actor; governance's signed form does.
    const actor = str(e.by) ?? str(e.actor) ?? signerName(e);
    const person = str(e.person);
    return { kind, time, actor, targets: person ? [person] : [], raw: e };
  }
  return { kind, time, actor: signerName(e) ?? str(e.actor), targets: changeTargets(e), raw: e };
}

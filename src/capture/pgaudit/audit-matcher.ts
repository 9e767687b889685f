// The reconciliation itself: every server log record in order, against the
// proxy's access entries (AccessIndex). Produces `bypass.detected` entries for
// statements on backends the proxy does not own, statements on a proxy backend
// that match no entry, gaps in pgAudit's statement ids or in a backend's csvlog
// line numbers, audit settings changed, and replication connections; and
// `access.objects` entries when PostgreSQL touched other objects than the
// access entry names. Deterministic given its state and input, so a restart
// that re-reads records reproduces the same decisions (see Reconciler).
import { entryTime } from '../../ledger/entries/common.js';
import { type AccessIndex, backendKey } from './access-index.js';
import { clientAddress, clientPort, type ServerLogRecord } from './server-log-record.js';
import { comparePositions, type LogGap, type TailPosition } from './server-log-tail.js';
import type { StatementView, StatementViews } from './statement-view.js';

/** Settings whose change alters what the server logs (a reload or ALTER SYSTEM of these is raised). */
const AUDIT_SETTINGS = /\b(pgaudit\.[a-z_]+|shared_preload_libraries|logging_collector|log_destination|log_directory|log_filename|log_connections|log_disconnections|log_min_messages|log_file_mode|log_truncate_on_rotation|log_rotation_age|log_rotation_size|session_preload_libraries|local_preload_libraries)\b/i;
const SETTINGS_COMMANDS = new Set(['ALTER SYSTEM', 'SET', 'RESET', 'ALTER ROLE', 'ALTER DATABASE', 'SELECT', 'LOAD']);
/** Backend start may precede the proxy's first entry by clock skew between the two hosts. */
const SKEW_MS = 2000;
const MAX_STATEMENTS_PER_ENTRY = 200;
const ENTRY_BUDGET_BYTES = 40_000;

export interface BackendState {
  session: string;
  pid: number;
  port?: number;
  address?: string;
  user?: string;
  database?: string;
  application?: string;
  start: string;
  line: number;
  /** Last pgAudit statement id seen (0: none yet). */
  stmt: number;
  /** Bound to a proxy connection ("pid:port") by a matched entry. */
  key?: string;
  person?: string;
  own?: boolean;
  /** The statement being reported (its records share one statement id). */
  cur?: { id: number; access?: number; relations?: string[]; objects: string[] };
}

export interface OwnConnection {
  pid: number;
  port: number;
  since: number;
}

export interface MatcherState {
  firstTime?: string;
  sessions: BackendState[];
  own: OwnConnection[];
}

type Pending = { st: BackendState; reason: 'unowned-backend' | 'unmatched-statement'; statements: (StatementView & { id: number; command: string; class: string; objects: string[] })[]; pos: TailPosition };

export class AuditMatcher {
  #server: string;
  #index: AccessIndex;
  #views: StatementViews;
  #sessions = new Map<string, BackendState>();
  #firstTime: string | undefined;
  #own: OwnConnection[];
  #pending = new Map<string, Pending>();
  #out: object[] = [];
  /** Records at or before this position were already reported before a restart: state only, no entries. */
  #quietUntil: TailPosition | undefined;
  /** The server (re)started: its settings must be checked again. */
  restarted = false;

  constructor(a: { server: string; index: AccessIndex; views: StatementViews; state?: MatcherState; quietUntil?: TailPosition }) {
    this.#server = a.server;
    this.#index = a.index;
    this.#views = a.views;
    for (const s of a.state?.sessions ?? []) this.#sessions.set(s.session, s);
    this.#firstTime = a.state?.firstTime;
    this.#own = a.state?.own ?? [];
    this.#quietUntil = a.quietUntil;
  }

  state(): MatcherState {
    return { ...(this.#firstTime ? { firstTime: this.#firstTime } : {}), sessions: [...this.#sessions.values()], own: this.#own };
  }

  /** The reconciler's own monitoring connection: its records are known exactly and not reported. */
  addOwn(c: OwnConnection): void {
    this.#own = [...this.#own.slice(-7), c];
  }

  /** Entries produced since the last call (pending bursts are flushed first). */
  take(): object[] {
    for (const p of this.#pending.values()) this.#flushPending(p);
    this.#pending.clear();
    const out = this.#out;
    this.#out = [];
    return out;
  }

  #emit(e: object, pos: TailPosition): void {
    if (this.#quietUntil && comparePositions(pos, this.#quietUntil) <= 0) return;
    this.#out.push(e);
  }

  #base(reason: string, pos: TailPosition, st?: BackendState): Record<string, unknown> {
    return {
      v: 1,
      kind: 'bypass.detected',
      time: entryTime(),
      reason,
      server: this.#server,
      ...(st?.person ? { person: st.person } : {}),
      ...(st?.user ? { user: st.user } : {}),
      ...(st?.database ? { database: st.database } : {}),
      ...(st?.application ? { application: st.application.slice(0, 200) } : {}),
      ...(st && (st.address || st.port) ? { client: { ...(st.address ? { address: st.address } : {}), ...(st.port ? { port: st.port } : {}) } } : {}),
      ...(st ? { backend: { pid: st.pid, session: st.session, start: st.start } } : {}),
      count: 0,
      log: { file: pos.file, offset: pos.offset },
    };
  }

  gap(g: LogGap, pos: TailPosition): void {
    const e = this.#base('log-gap', pos);
    e.missing = { file: g.file, bytes: { from: g.from, ...(g.to !== undefined ? { to: g.to } : {}) } };
    e.detail = `server log file ${g.file} was ${g.why} before it was read to the end; its records from byte ${g.from} are lost`;
    this.#emit(e, pos);
  }

  /** The settings check after a server restart failed (pgAudit not loaded, classes removed, …). */
  settingsFailed(detail: string, pos: TailPosition): void {
    const e = this.#base('audit-settings', pos);
    e.detail = `after a server restart: ${detail}`.slice(0, 1000);
    this.#emit(e, pos);
  }

  record(rec: ServerLogRecord, pos: TailPosition): void {
    this.#firstTime ??= rec.time;
    let st = this.#sessions.get(rec.session);
    if (!st) {
      st = { session: rec.session, pid: rec.pid, start: rec.sessionStart, line: rec.line - 1, stmt: 0 };
      const port = clientPort(rec.connectionFrom);
      if (port !== undefined) st.port = port;
      const address = clientAddress(rec.connectionFrom);
      if (address) st.address = address;
      // A backend that started after the reconciler's first record must be seen from its first line.
      if (rec.line > 1 && rec.sessionStart > this.#firstTime) st.line = 0;
      if (port !== undefined && this.#own.some((o) => o.pid === rec.pid && o.port === port && Date.parse(rec.sessionStart) >= o.since - SKEW_MS)) st.own = true;
      this.#sessions.set(rec.session, st);
    }
    if (rec.user) st.user = rec.user;
    if (rec.database) st.database = rec.database;
    if (rec.application) st.application = rec.application;
    if (rec.line !== st.line + 1) {
      const e = this.#base('log-gap', pos, st);
      e.missing = { lines: { from: st.line + 1, to: rec.line - 1 } };
      e.detail = `${rec.line - st.line - 1} server log line(s) of backend ${rec.pid} are missing (removed or rotated away before they were read)`;
      this.#emit(e, pos);
    }
    st.line = rec.line;
    if (rec.audit) return this.#audit(rec, st, pos);
    if (rec.backendType === 'postmaster') return this.#postmaster(rec, pos);
    if (rec.message.startsWith('disconnection:')) return this.#end(st, pos);
    if (rec.backendType === 'walsender' && rec.message.startsWith('replication connection authorized')) {
      const e = this.#base('replication', pos, st);
      e.detail = 'a replication connection streams data without statements the proxy can see';
      this.#emit(e, pos);
    }
  }

  #postmaster(rec: ServerLogRecord, pos: TailPosition): void {
    const m = rec.message;
    if (m === 'database system is ready to accept connections') this.restarted = true;
    const changed = /^parameter "([^"]+)" (changed to "(.*)"|removed from configuration file|cannot be changed without restarting the server)/.exec(m);
    if (changed && AUDIT_SETTINGS.test(changed[1]!)) {
      const e = this.#base('audit-settings', pos);
      e.detail = m.slice(0, 1000);
      this.#emit(e, pos);
    }
  }

  #audit(rec: ServerLogRecord, st: BackendState, pos: TailPosition): void {
    if (st.own) return;
    const a = rec.audit!;
    const object = a.objectName && a.objectType !== 'FUNCTION' ? a.objectName : undefined;
    if (st.cur && a.statement === st.cur.id) {
      if (object && !st.cur.objects.includes(object)) st.cur.objects.push(object);
      const p = this.#pending.get(st.session);
      const last = p?.statements[p.statements.length - 1];
      if (last && last.id === a.statement && object && !last.objects.includes(object) && last.objects.length < 64) last.objects.push(object);
      return;
    }
    this.#finish(st, pos);
    if (st.stmt > 0 && a.statement !== st.stmt + 1) {
      const e = this.#base('statement-gap', pos, st);
      e.missing = { statements: { from: st.stmt + 1, to: Math.max(st.stmt + 1, a.statement - 1) } };
      e.detail = a.statement > st.stmt ? `pgAudit statement ids ${st.stmt + 1}..${a.statement - 1} of this backend were never logged` : `pgAudit statement id went back from ${st.stmt} to ${a.statement}`;
      this.#emit(e, pos);
    }
    st.stmt = a.statement;
    st.cur = { id: a.statement, objects: object ? [object] : [] };
    const ref = st.port === undefined ? undefined : this.#index.take(backendKey(st.pid, st.port), this.#views.queryHmac(a.text), Date.parse(st.start) - SKEW_MS);
    if (ref && (st.key === undefined || st.key === backendKey(st.pid, st.port))) {
      st.key = backendKey(st.pid, st.port);
      st.person = ref.person;
      st.cur.access = ref.index;
      st.cur.relations = ref.relations;
    } else {
      this.#bypass(st, a.statement, rec, object, pos, st.key ? 'unmatched-statement' : 'unowned-backend');
    }
    if (SETTINGS_COMMANDS.has(a.command) && AUDIT_SETTINGS.test(a.text) && (a.command !== 'SELECT' || /\bset_config\b/i.test(a.text))) {
      const e = this.#base('audit-settings', pos, st);
      const v = this.#views.view(a.text);
      e.statements = [{ id: a.statement, command: a.command.slice(0, 64), class: a.class.slice(0, 64), ...v }];
      e.count = 1;
      e.detail = `${a.command} changes an audit or logging setting`;
      this.#emit(e, pos);
    }
  }

  #bypass(st: BackendState, id: number, rec: ServerLogRecord, object: string | undefined, pos: TailPosition, reason: Pending['reason']): void {
    if (this.#quietUntil && comparePositions(pos, this.#quietUntil) <= 0) return;
    let p = this.#pending.get(st.session);
    if (p && (p.reason !== reason || p.statements.length >= MAX_STATEMENTS_PER_ENTRY || size(p) > ENTRY_BUDGET_BYTES)) {
      this.#flushPending(p);
      p = undefined;
    }
    if (!p) this.#pending.set(st.session, (p = { st, reason, statements: [], pos }));
    const a = rec.audit!;
    p.statements.push({ id, command: a.command.slice(0, 64), class: a.class.slice(0, 64), objects: object ? [object] : [], ...this.#views.view(a.text) });
    p.pos = pos;
  }

  #flushPending(p: Pending): void {
    if (p.statements.length === 0) return;
    const e = this.#base(p.reason, p.pos, p.st);
    e.statements = p.statements.map(({ objects, ...s }) => (objects.length ? { ...s, objects } : s));
    e.count = p.statements.length;
    this.#out.push(e);
    p.statements = [];
  }

  /** The statement in progress is complete: report what PostgreSQL touched if the access entry said otherwise. */
  #finish(st: BackendState, pos: TailPosition): void {
    const c = st.cur;
    if (!c || c.access === undefined) return;
    const server = [...new Set(c.objects)].sort();
    const logged = [...new Set(c.relations ?? [])].sort();
    if (server.length === 0 || sameList(server, logged)) return;
    this.#emit(
      {
        v: 1,
        kind: 'access.objects',
        time: entryTime(),
        access: c.access,
        server: this.#server,
        objects: server.slice(0, 256),
        statement: c.id,
        backend: { pid: st.pid, session: st.session, start: st.start },
        log: { file: pos.file, offset: pos.offset },
      },
      pos,
    );
  }

  #end(st: BackendState, pos: TailPosition): void {
    this.#finish(st, pos);
    const p = this.#pending.get(st.session);
    if (p) {
      this.#flushPending(p);
      this.#pending.delete(st.session);
    }
    if (st.key) this.#index.endRun(st.key);
    this.#sessions.delete(st.session);
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function size(p: Pending): number {
  let n = 0;
  for (const s of p.statements) n += s.text.length + 80 + s.values.length * 67 + s.objects.join().length;
  return n;
}

// One client connection after login: relays protocol v3 traffic between the
// person's client and their upstream backend. Requests that run SQL (Query,
// Execute, FunctionCall) pass the gate (lock, purpose, durable access entry)
// before they are forwarded, strictly in arrival order; everything else is
// forwarded as received, without copying. Responses are relayed frame by
// frame; CommandComplete / ErrorResponse produce the `outcome` entries.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { IlogError } from '../../ledger/errors.js';
import type { Analyzer, StatementInfo } from './classify.js';
import { hmacValue, type SessionFacts } from './entries.js';
import { ClientOutput, Hold } from './client-output.js';
import { CoalescedWriter } from './coalesced-writer.js';
import { admit, appendAccess, purposeProblem, recordOutcome, screen, statementFacts, type Candidate, type GateContext, type GateResult, type UpstreamRun } from './gate.js';
import { PendingQueue, type Finished, type PendingItem } from './pending.js';
import type { FrameReader, Frame } from './protocol/frames.js';
import {
  commandComplete, dataRow1, errorResponse, message, parseBind, parseErrorFields, parseExecutePortal, parseFunctionCall, parseParse,
  parseTarget, readyForQuery, rowDescription1Text, rowsFromTag, type ErrorFields,
} from './protocol/messages.js';
import { BodyReader } from './protocol/reader.js';
import { refuseUpstream } from './probe.js';
import { purposeFromComment } from './purpose.js';
import { SessionResolver } from './session-resolver.js';
import { SessionState } from './session-state.js';
import { SQLSTATE } from './sqlstate.js';
import type { UpstreamSession } from './upstream.js';

export interface SessionContext extends GateContext {
  analyzer: Analyzer;
  /** Send statements proven read-only upstream while their entry is made durable, rows held until it is (default true). */
  overlapReads?: boolean;
}

/** `query`: HMAC of `text` (the reconciler's match key), computed at the first Execute and reused: prepared statements run many times. */
type Prepared = { text: string; infos?: StatementInfo[]; error?: IlogError; query?: string };
/**
 * What to do with a request once every earlier one has been sent: `skip` when PostgreSQL would skip it (after an error, until Sync).
 * A Step that returns a promise (name resolution on the backend) holds back every later request until it settles.
 */
type Step = (skip: boolean) => void | Promise<void>;
type Portal = { stmt: Prepared | undefined; values: string[] };

const MAX_BUFFERED = 8 * 1024 * 1024;
const TX_FAILED: ErrorFields = {
  severity: 'ERROR',
  code: SQLSTATE.LOG_UNAVAILABLE,
  message: 'ilog: an earlier statement of this transaction ran while its access entry was being made durable, and the log failed it: the transaction is aborted and will not commit',
  hint: 'ROLLBACK, then retry the transaction when the log is available again',
};
/** Extended-protocol requests that cannot change the transaction's state. */
const PLAIN_REQUESTS = new Set(['P', 'B', 'D', 'C', 'H', 'S']);
/** Requests read ahead of what has been sent on; past this the client is paused. */
const MAX_STEPS = 1024;
/** An overlapped statement's entry waits for its answer (to carry the outcome) until this much of the answer is held. */
const EARLY_APPEND_BYTES = 64 * 1024;

export class Session {
  readonly facts: SessionFacts;
  #client: Socket;
  #creader: FrameReader;
  #up: UpstreamSession;
  #ctx: SessionContext;
  /** ilog.purpose, search_path, temporary relations, SQL-level prepared statements, as PostgreSQL holds them. */
  #state: SessionState;
  #resolver: SessionResolver;
  /** The client's extended-protocol messages have been forwarded without a Sync yet. */
  #unsynced = false;
  /** PostgreSQL is skipping to Sync because the proxy's own probe failed there. */
  #upstreamSkipping = false;
  /** Syncs sent upstream: an overlapped Execute refused late skips requests only up to its own Sync. */
  #syncs = 0;
  /** Settles when every overlapped request so far knows whether its entry is durable. */
  #holdsSettled: Promise<unknown> = Promise.resolve();
  /** Overlapped requests whose entries wait for their answer (Hold.later); appended at once when anything waits on them. */
  #later = new Set<Hold>();
  #out: ClientOutput;
  /** Requests on their way upstream, one write per burst. */
  #upOut: CoalescedWriter;
  /** Prefix of the proxy's own statement names, unlikely to collide with the client's. */
  #ownName = `ilog_${randomBytes(6).toString('hex')}_`;
  #statements = new Map<string, Prepared>();
  #portals = new Map<string, Portal>();
  #pending = new PendingQueue();
  #tx = 0x49; // 'I'
  /**
   * A statement of the open transaction ran before its entry was durable, and the log then failed it:
   * every later request of the transaction but ROLLBACK is refused with this (IL002), which aborts it upstream, so it never commits.
   */
  #txFailed: ErrorFields | undefined;
  #skipUntilSync = false;
  /** Requests read but not yet sent on, in arrival order (see #intake / #drain). */
  #steps: { t: string; run: Step | Promise<Step> }[] = [];
  #draining = false;
  #broken = false;
  #closed = false;
  #onClose: () => void;
  #cancelUpstream: () => void;
  /** Which backend runs this session's statements, and how many it has been sent (the reconciler matches on these). */
  #run: UpstreamRun;

  constructor(a: { client: Socket; reader: FrameReader; upstream: UpstreamSession; facts: SessionFacts; purpose?: string; searchPath?: string; ctx: SessionContext; onClose: () => void; cancelUpstream: () => void }) {
    this.#client = a.client;
    this.#creader = a.reader;
    this.#up = a.upstream;
    this.facts = a.facts;
    this.#state = new SessionState({ purpose: a.purpose, searchPath: a.searchPath });
    const self = this;
    this.#resolver = new SessionResolver({
      ctx: a.ctx,
      facts: a.facts,
      sendOwn: (b) => this.#forwardOwn(b),
      pushPending: (it) => this.#pending.push(it),
      get unsynced() {
        return self.#unsynced;
      },
      get closed() {
        return self.#closed;
      },
      get run() {
        return self.#run;
      },
      upstreamSkipping: () => (this.#upstreamSkipping = true),
      skipToSync: () => (this.#skipUntilSync = true),
      ownName: this.#ownName,
    });
    this.#ctx = a.ctx;
    this.#onClose = a.onClose;
    this.#cancelUpstream = a.cancelUpstream;
    this.#out = new ClientOutput(a.client);
    this.#upOut = new CoalescedWriter(a.upstream.socket, () => {
      this.#client.pause();
      this.#up.socket.once('drain', () => this.#client.resume());
    });
    this.#run = { pid: a.upstream.pid, port: a.upstream.socket.localPort, seq: 0 };
    this.#client.setNoDelay(true);
    this.#client.on('data', (c: Buffer) => this.#onClientData(c));
    this.#client.on('close', () => this.close());
    this.#client.on('error', () => this.close());
    this.#up.socket.on('data', (c: Buffer) => this.#onUpstreamData(c));
    this.#up.socket.on('close', () => this.#upstreamGone());
    this.#up.socket.on('error', () => this.#upstreamGone());
    // Frames the client sent right after authentication.
    this.#intake();
  }

  /** Ends the session: FATAL error to the client, upstream backend cancelled and disconnected. */
  terminate(err: ErrorFields): void {
    if (this.#closed) return;
    this.#out.commit();
    this.#client.end(errorResponse(err));
    this.#cancelUpstream();
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#appendWaiting();
    this.#upOut.flush();
    this.#out.commit();
    if (!this.#up.socket.destroyed) this.#up.socket.end(message('X'));
    this.#up.socket.destroy();
    if (!this.#client.destroyed) this.#client.end();
    setTimeout(() => this.#client.destroy(), 1000).unref();
    this.#onClose();
  }

  #upstreamGone(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#appendWaiting();
    this.#out.commit();
    this.#client.end();
    this.#onClose();
  }

  #onClientData(chunk: Buffer): void {
    this.#creader.push(chunk);
    this.#intake();
  }

  /**
   * Reads every complete request and starts its work at once: bookkeeping and,
   * for requests that run SQL, the gate (so the access entries of pipelined
   * statements are appended together, in order). Sending happens in #drain.
   */
  #intake(): void {
    if (this.#broken || this.#closed) return;
    try {
      for (let f = this.#creader.next(); f; f = this.#creader.next()) {
        const t = String.fromCharCode(f.type);
        const gated = t === 'Q' || t === 'E' || t === 'F';
        // Pipelined behind statements still waiting for their answers: their entries go first, the log keeps arrival order.
        if (gated) this.#appendWaiting();
        this.#steps.push({ t, run: gated ? this.#gated(t, f) : this.#plain(t, f) });
      }
    } catch (e) {
      // Answer in order, after the requests before the bad one; read nothing more.
      this.#broken = true;
      const err: ErrorFields =
        e instanceof IlogError && e.code === 'PROTOCOL_VIOLATION'
          ? { severity: 'FATAL', code: SQLSTATE.PROTOCOL_VIOLATION, message: `ilog: ${e.message}` }
          : { severity: 'FATAL', code: 'XX000', message: `ilog: internal error: ${(e as Error).message}` };
      this.#steps.push({ t: '!', run: () => this.terminate(err) });
    }
    if (this.#steps.length > MAX_STEPS || this.#creader.buffered > MAX_BUFFERED) this.#client.pause();
    void this.#drain();
  }

  /** Sends requests on strictly in arrival order; a gated one waits for its access entries to be durable. */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    const up = this.#upOut;
    try {
      while (this.#steps.length > 0 && !this.#closed) {
        const step = this.#steps[0]!;
        let run = step.run;
        if (run instanceof Promise) {
          up.flush();
          this.#appendWaiting();
          run = await run;
        }
        this.#steps.shift();
        const pending = run(this.#skipUntilSync && step.t !== 'S');
        if (pending) {
          up.flush();
          this.#appendWaiting();
          await pending;
        }
      }
    } catch (e) {
      this.terminate({ severity: 'FATAL', code: 'XX000', message: `ilog: internal error: ${(e as Error).message}` });
    } finally {
      up.flush();
      this.#draining = false;
      if (this.#client.isPaused() && this.#steps.length < MAX_STEPS && !this.#up.socket.writableNeedDrain) this.#client.resume();
    }
  }

  #forward(f: Frame): void {
    this.#upOut.write(f.raw);
  }

  /**
   * Appends the entries that wait for their statements' answers, without the outcomes not yet in:
   * something is about to wait on them (a log-first request, COMMIT, the backend's answer to a later
   * request that PostgreSQL sends only at Sync), or the session ends.
   */
  #appendWaiting(): void {
    for (const h of this.#later) h.start();
    this.#later.clear();
  }

  /** Requests that do not run SQL themselves: bookkeeping now, then forwarded as is. */
  #plain(t: string, f: Frame): Step {
    let item: PendingItem | undefined;
    switch (t) {
      case 'P': {
        const p = parseParse(f.body);
        let prepared: Prepared;
        try {
          prepared = { text: p.query, infos: this.#ctx.analyzer.analyze(p.query) };
        } catch (e) {
          prepared = { text: p.query, error: e as IlogError };
        }
        this.#statements.set(p.name, prepared);
        item = { t: 'parse' };
        break;
      }
      case 'B': {
        const b = parseBind(f.body);
        const values: string[] = [];
        for (const v of b.params) if (v !== null) values.push(hmacValue(this.#ctx.hmacKey, v));
        this.#portals.set(b.portal, { stmt: this.#statements.get(b.statement), values });
        item = { t: 'bind' };
        break;
      }
      case 'D':
        parseTarget(f.body);
        item = { t: 'describe' };
        break;
      case 'C': {
        const c = parseTarget(f.body);
        (c.what === 'S' ? this.#statements : this.#portals).delete(c.name);
        item = { t: 'close' };
        break;
      }
      case 'S':
        return () => {
          this.#skipUntilSync = false;
          this.#unsynced = false;
          this.#upstreamSkipping = false;
          this.#syncs++;
          this.#pending.push({ t: 'sync' });
          this.#forward(f);
        };
      case 'H': // Flush
      case 'd': // CopyData, CopyDone, CopyFail belong to a COPY already logged
      case 'c':
      case 'f':
        break;
      case 'X':
        return () => this.close();
      default:
        throw new IlogError('PROTOCOL_VIOLATION', `unexpected message type ${JSON.stringify(t)} (0x${f.type.toString(16)})`);
    }
    return (skip) => {
      if (skip) return;
      if (item) this.#pending.push(item);
      if (t !== 'd' && t !== 'c' && t !== 'f') this.#unsynced = true;
      this.#forward(f);
    };
  }

  #gated(t: string, f: Frame): Step | Promise<Step> {
    const step = t === 'Q' ? this.#simpleQuery(f) : t === 'E' ? this.#execute(f) : this.#functionCall(f);
    // Log-first: besides its own entry, wait until every overlapped request before it is settled,
    // so a write never follows a read whose refusal PostgreSQL's client would take as skipping it.
    return step instanceof Promise ? Promise.all([step, this.#holdsSettled]).then(([s]) => s) : step;
  }

  /** Whether these candidates may take the overlapped path: all proven read-only, no name resolution needed. */
  #overlappable(cands: Candidate[]): boolean {
    return this.#ctx.overlapReads !== false && !this.#resolver.busy && cands.every((c) => c.info.readOnly && !(c.info.catalogCheck && (c.purpose === undefined || c.purpose.trim() === '')));
  }

  /**
   * The overlapped path for requests proven read-only: appending starts now, the request is sent
   * on without waiting, and its responses are held (ClientOutput) until the entries are durable.
   */
  #overlapped(cands: Candidate[], extended: boolean, send: (hold: Hold) => void, inTx = false, held = true): Step {
    const refused = screen(this.#ctx, this.facts, cands);
    if (refused) return this.#local(() => this.#refuse(refused.error, extended, refused.locked));
    const hold = new Hold(extended);
    let sent = false;
    let syncs = 0;
    // Numbered now, in arrival order; appended once the answer is in, each entry with its statement's outcome.
    const statements = statementFacts(this.#ctx, cands, this.#run);
    this.#later.add(hold);
    const logged = hold.later((outcomes) => {
      this.#later.delete(hold);
      return appendAccess(this.#ctx, this.facts, statements, outcomes);
    });
    this.#holdsSettled = Promise.all([this.#holdsSettled, hold.settled]);
    void logged.then((r) => {
      // Before anything waiting on this hold runs (COMMIT among them): the transaction must not commit.
      if (!r.ok && inTx && sent) this.#txFailed ??= TX_FAILED;
      if (r.ok) hold.ok(r.access);
      else {
        hold.fail(r.error);
        this.#ctx.metrics?.refused(r.error.code);
      }
      if (this.#closed) return;
      if (!r.ok && r.locked) return this.terminate(r.error);
      // Refused after it was sent: what PostgreSQL's client takes as skipped up to Sync must be skipped.
      // (Not for a write whose answer already went: the client learns at its next request, which #txFailed refuses.)
      if (!r.ok && held && sent && extended && syncs === this.#syncs) this.#skipUntilSync = true;
      this.#out.flush();
      if (this.#up.socket.isPaused() && this.#out.held < MAX_BUFFERED) this.#up.socket.resume();
    });
    return (skip) => {
      if (skip || this.#txFailed) hold.start(); // never sent: no answer to wait for
      if (skip) return void logged.then((r) => this.#afterGate(r, false, () => {})(true));
      // The transaction can no longer commit: refused in order, before anything after it is sent.
      if (this.#txFailed) return logged.then((r) => this.#afterGate(r, extended, () => {})(false));
      sent = true;
      syncs = this.#syncs;
      send(hold);
    };
  }

  /** The Step for a gated request once its gate has answered. `rollback`: it ends the transaction without committing it. */
  #afterGate(r: GateResult, extended: boolean, send: (access: number[]) => void, rollback = false): Step {
    return (skip) => {
      if (skip) {
        // Logged, but PostgreSQL would not have run it: record that it did not run.
        if (r.ok) for (const access of r.access) recordOutcome(this.#ctx, { access, session: this.facts.session, status: 'error', durationMs: 0 });
        return;
      }
      if (!r.ok) return this.#refuse(r.error, extended, r.locked);
      if (this.#txFailed && !rollback) {
        for (const access of r.access) recordOutcome(this.#ctx, { access, session: this.facts.session, status: 'error', sqlstate: SQLSTATE.LOG_UNAVAILABLE, durationMs: 0 });
        return this.#refuse(this.#txFailed, extended);
      }
      if (rollback) this.#txFailed = undefined;
      send(r.access);
    };
  }

  /**
   * Whether these candidates may run inside the open transaction while their entries are made durable:
   * the transaction block is known to be open (ReadyForQuery said so and nothing is in flight), and every
   * effect of theirs is undone by ROLLBACK (read-only.ts, provenTransactional). COMMIT is log-first and
   * waits for their entries; if one fails, the transaction is refused everything but ROLLBACK (#txFailed).
   * BEGIN alone, outside a transaction block, is overlapped too: all it does is open the block that
   * ROLLBACK closes, and a failure of its entry is handled as a write's.
   */
  #txOverlappable(cands: Candidate[], extended = false): boolean {
    if (this.#ctx.overlapReads === false) return false;
    if (cands.length === 1 && cands[0]!.info.guc?.t === 'begin') return this.#txKnown(0x49 /* 'I' */, extended);
    return this.#txKnownOpen(extended) && cands.every((c) => c.info.transactional && !(c.info.catalogCheck && (c.purpose === undefined || c.purpose.trim() === '')));
  }

  /**
   * The last ReadyForQuery said "in a transaction block", and nothing sent or queued since can
   * have changed that: nothing at all for a simple Query; for an Execute, only Parse, Bind,
   * Describe, Close, Flush and Sync (a Sync does not end an explicit transaction block).
   */
  #txKnownOpen(extended = false): boolean {
    return this.#txKnown(0x54 /* 'T' */, extended);
  }

  /** The transaction status is known to be `status` (see #txKnownOpen). */
  #txKnown(status: number, extended: boolean): boolean {
    if (this.#tx !== status || this.#txFailed !== undefined || this.#draining || this.#resolver.busy) return false;
    if (!extended) return !this.#unsynced && this.#steps.length === 0 && this.#pending.size === 0 && this.#pending.onlyPlain();
    return !this.#skipUntilSync && !this.#upstreamSkipping && this.#pending.onlyPlain() && this.#steps.every((s) => PLAIN_REQUESTS.has(s.t));
  }

  /** A Step that answers locally (skipped like any request after an error). */
  #local(fn: () => void): Step {
    return (skip) => {
      if (!skip) fn();
    };
  }

  /** Answers the proxy itself, after every earlier response (simple protocol: ends with ReadyForQuery). */
  #answer(parts: () => Buffer[], extended = false): void {
    this.#pending.push({ t: 'inject', make: () => Buffer.concat(extended ? parts() : [...parts(), readyForQuery(this.#tx)]) });
    if (extended) this.#skipUntilSync = true;
    this.#flushInjected();
  }

  /** Refuses a statement and fails the backend the way PostgreSQL's own error would (probe.ts, refuseUpstream). */
  #refuse(error: ErrorFields, extended: boolean, locked?: boolean): void {
    this.#ctx.metrics?.refused(error.code);
    if (locked) return this.terminate(error);
    // PostgreSQL already skips to Sync (the proxy's probe failed): the refusal is only for the client.
    if (extended && this.#upstreamSkipping) return this.#answer(() => [errorResponse(error)], extended);
    if (extended) this.#skipUntilSync = true;
    refuseUpstream((b) => this.#forwardOwn(b), (it) => this.#pending.push(it), (b) => this.#out.push(b), errorResponse(error), error.code, extended, this.#ownName + 'x');
  }

  #forwardOwn(b: Buffer): void {
    this.#upOut.write(b);
  }

  /** The gate: now, or (catalog reads without a purpose) after asking the backend (session-resolver.ts). */
  #gateStep(cands: Candidate[], extended: boolean, send: (access: number[]) => void, rollback = false): Step | Promise<Step> {
    return this.#resolver.gate(cands, (r) => this.#afterGate(r, extended, send, rollback));
  }

  #flushInjected(): void {
    for (const b of this.#pending.takeInjected()) this.#out.push(b);
  }

  #simpleQuery(f: Frame): Step | Promise<Step> {
    const text = new BodyReader(f.body).cstring();
    let infos: StatementInfo[];
    try {
      infos = this.#ctx.analyzer.analyze(text);
    } catch (e) {
      return this.#local(() => this.#refuse({ severity: 'ERROR', code: SQLSTATE.SYNTAX_ERROR, message: (e as Error).message }, false));
    }
    if (infos.length === 0) return this.#local(() => this.#answer(() => [message('I')]));
    const only = infos.length === 1 ? infos[0]! : undefined;
    if (only?.showPurpose) {
      const purpose = this.#state.purpose ?? null;
      return this.#local(() => this.#answer(() => [rowDescription1Text('ilog.purpose'), dataRow1(purpose), commandComplete('SHOW')]));
    }
    const setProblem = this.#setPurposeProblem(only);
    if (setProblem) return this.#local(() => this.#refuse(setProblem, false));
    // The proxy answers SET ilog.purpose itself; in a failed transaction PostgreSQL would refuse it, and so does the proxy.
    if (only?.setPurpose !== undefined && this.#tx === 0x45 /* 'E' */) {
      return this.#local(() => this.#refuse({ severity: 'ERROR', code: SQLSTATE.IN_FAILED_TRANSACTION, message: 'current transaction is aborted, commands ignored until end of transaction block' }, false));
    }
    const comment = purposeFromComment(text);
    const cands = this.#state.query(infos, comment);
    // SET ilog.purpose alone is answered here, never sent upstream: no backend statement to number.
    const query = only?.setPurpose !== undefined ? undefined : hmacValue(this.#ctx.hmacKey, text);
    for (const c of cands) c.query = query;
    const read = this.#overlappable(cands);
    if (read || this.#txOverlappable(cands)) {
      // Rows are held until the entries are durable; a write's bare CommandComplete is not (COMMIT waits instead).
      const holdAnswer = read || cands.some((c) => c.info.returnsRows);
      return this.#overlapped(cands, false, (hold) => {
        const start = performance.now();
        for (let i = 0; i < cands.length; i++) hold.tracked.push({ access: -1, start, hold });
        this.#pending.push({ t: 'query', stmts: hold.tracked, next: 0, ...(holdAnswer ? { hold } : {}) });
        this.#unsynced = false;
        this.#forward(f);
      }, !read || this.#txKnownOpen(), holdAnswer);
    }
    const rollback = only?.guc?.t === 'rollback';
    return this.#gateStep(cands, false, (access) => {
        if (only?.setPurpose !== undefined) {
          // SET/RESET ilog.purpose is the proxy's own business: logged, answered here, not forwarded.
          recordOutcome(this.#ctx, { access: access[0]!, session: this.facts.session, status: 'ok', command: 'SET', durationMs: 0 });
          return this.#answer(() => [commandComplete(only.setPurpose === null ? 'RESET' : 'SET')]);
        }
        const start = performance.now();
        this.#pending.push({ t: 'query', stmts: access.map((a) => ({ access: a, start })), next: 0 });
        this.#unsynced = false;
        this.#forward(f);
    }, rollback);
  }

  /** `SET ilog.purpose = …` is checked when it is set (length, empty, pattern), not only when it is used. */
  #setPurposeProblem(info: StatementInfo | undefined): ErrorFields | undefined {
    if (info?.setPurpose === undefined || info.setPurpose === null) return undefined;
    return purposeProblem(info.setPurpose, this.#ctx.policy);
  }

  #execute(f: Frame): Step | Promise<Step> {
    const name = parseExecutePortal(f.body);
    const portal = this.#portals.get(name);
    const stmt = portal?.stmt;
    if (!portal || !stmt) return this.#local(() => this.#refuse({ severity: 'ERROR', code: '34000', message: `portal "${name}" does not exist` }, true));
    if (stmt.error || !stmt.infos) return this.#local(() => this.#refuse({ severity: 'ERROR', code: SQLSTATE.SYNTAX_ERROR, message: stmt.error?.message ?? 'unparsable statement' }, true));
    const info = stmt.infos[0];
    if (!info) {
      return this.#local(() => {
        this.#pending.push({ t: 'exec' });
        this.#forward(f);
      });
    }
    const setProblem = this.#setPurposeProblem(info);
    if (setProblem) return this.#local(() => this.#refuse(setProblem, true));
    const cand = this.#state.candidate(info, purposeFromComment(stmt.text), portal.values);
    cand.query = stmt.query ??= hmacValue(this.#ctx.hmacKey, stmt.text);
    const read = this.#overlappable([cand]);
    if (read || this.#txOverlappable([cand], true)) {
      // As for a simple Query: rows held until the entry is durable, a write's bare CommandComplete not.
      const holdAnswer = read || info.returnsRows === true;
      return this.#overlapped([cand], true, (hold) => {
        hold.tracked.push({ access: -1, start: performance.now(), hold });
        this.#pending.push({ t: 'exec', stmt: hold.tracked[0], ...(holdAnswer ? { hold } : {}) });
        this.#forward(f);
      }, !read || this.#txKnownOpen(true), holdAnswer);
    }
    return this.#gateStep([cand], true, (access) => {
      this.#pending.push({ t: 'exec', stmt: { access: access[0]!, start: performance.now() } });
      this.#forward(f);
    }, info.guc?.t === 'rollback');
  }

  /** FunctionCall ('F'): runs a function by OID; logged like a statement that needs a purpose. */
  #functionCall(f: Frame): Promise<Step> {
    const { oid, args } = parseFunctionCall(f.body);
    const values = args.filter((a) => a !== null).map((a) => hmacValue(this.#ctx.hmacKey, a));
    const info: StatementInfo = { kind: 'FunctionCall', action: 'other', relations: [], literals: [], normalized: `function call oid ${oid}`, housekeeping: false, temp: false };
    return admit(this.#ctx, this.facts, [{ info, purpose: this.#state.purpose, boundValues: values }]).then((r) =>
      this.#afterGate(r, false, (access) => {
        this.#pending.push({ t: 'query', stmts: [{ access: access[0]!, start: performance.now() }], next: 0 });
        this.#forward(f);
      }),
    );
  }

  #onUpstreamData(chunk: Buffer): void {
    const reader = this.#up.frames;
    reader.push(chunk);
    const client = this.#client;
    try {
      for (let f = reader.next(); f; f = reader.next()) {
        const t = String.fromCharCode(f.type);
        let finished: Finished[] | undefined;
        // The proxy's own statements' answers are the proxy's (probe.ts).
        if (t !== 'Z' && this.#pending.toProbe(t, f.body)) {
          this.#flushInjected();
          continue;
        }
        // The request this frame answers, before accounting moves past it.
        const head = this.#pending.head;
        const hold = head?.t === 'query' || head?.t === 'exec' ? head.hold : undefined;
        if (t === 'C') finished = this.#pending.onUpstream(t, new BodyReader(f.body).cstring());
        else if (t === 'E') finished = this.#pending.onUpstream(t, undefined, parseErrorFields(f.body).C);
        else if (t === 'Z') {
          this.#tx = f.body[0] ?? 0x49;
          if (this.#tx === 0x45 /* 'E' */) this.#state.gucs.markFailed();
          if (this.#pending.toProbe(t, f.body)) {
            this.#flushInjected();
            continue;
          }
          finished = this.#pending.onUpstream(t);
        } else if (t !== 'D' && t !== 'N' && t !== 'A' && t !== 'S' && t !== 'd') finished = this.#pending.onUpstream(t);
        if (finished) for (const x of finished) this.#outcome(x);
        // A long answer is not held for the outcome: its entry is appended now, the outcome follows on its own.
        if (hold?.waiting && (hold.bytes += f.raw.length) > EARLY_APPEND_BYTES) hold.start();
        this.#out.push(f.raw, f.type, hold);
        this.#flushInjected();
      }
    } catch (e) {
      this.terminate({ severity: 'FATAL', code: SQLSTATE.PROTOCOL_VIOLATION, message: `ilog: upstream protocol error: ${(e as Error).message}` });
    } finally {
      this.#out.commit();
    }
    if (this.#out.held > MAX_BUFFERED && !this.#up.socket.isPaused()) {
      this.#up.socket.pause(); // resumed when the held responses are released
    } else if (client.writableLength > MAX_BUFFERED && !this.#up.socket.isPaused()) {
      this.#up.socket.pause();
      client.once('drain', () => this.#up.socket.resume());
    }
  }

  #outcome(x: Finished, durationMs = performance.now() - x.stmt.start): void {
    const hold = x.stmt.hold;
    const o = { status: x.status, rows: x.command ? rowsFromTag(x.command) : undefined, sqlstate: x.sqlstate, command: x.command, durationMs };
    // An overlapped statement whose entry waits for its answer: the outcome goes into that entry.
    if (hold?.answer(x.stmt, o)) return void this.#ctx.metrics?.statement(o.status, o.sqlstate);
    // An overlapped statement's index is known once its entry is durable; refused, it gets no outcome here (gate's late path).
    if (hold?.state === 'wait') return void hold.settled.then(() => this.#outcome(x, durationMs));
    if (hold?.state === 'failed') return;
    recordOutcome(this.#ctx, { access: x.stmt.access, session: this.facts.session, ...o });
  }
}

// One client connection after login: relays protocol v3 traffic between the
// person's client and their upstream backend. Requests that run SQL (Query,
// Execute, FunctionCall) pass the gate (lock, purpose, durable access entry)
// before they are forwarded, strictly in arrival order; everything else is
// forwarded as received, without copying. Responses are relayed frame by
// frame; CommandComplete / ErrorResponse produce the `outcome` entries.
import type { Socket } from 'node:net';
import { IlogError } from '../../ledger/errors.js';
import type { Analyzer, StatementInfo } from './classify.js';
import { hmacValue, type SessionFacts } from './entries.js';
import { ClientOutput, Hold } from './client-output.js';
import { admit, logAccess, recordOutcome, screen, type Candidate, type GateContext, type GateResult } from './gate.js';
import { PendingQueue, type Finished, type PendingItem } from './pending.js';
import type { FrameReader, Frame } from './protocol/frames.js';
import {
  commandComplete, dataRow1, errorResponse, message, parseBind, parseErrorFields, parseExecutePortal, parseFunctionCall, parseParse,
  parseTarget, readyForQuery, rowDescription1Text, rowsFromTag, type ErrorFields,
} from './protocol/messages.js';
import { BodyReader } from './protocol/reader.js';
import { purposeFromComment } from './purpose.js';
import { SQLSTATE } from './sqlstate.js';
import type { UpstreamSession } from './upstream.js';

export interface SessionContext extends GateContext {
  analyzer: Analyzer;
  /** Send statements proven read-only upstream while their entry is made durable, rows held until it is (default true). */
  overlapReads?: boolean;
}

type Prepared = { text: string; infos?: StatementInfo[]; error?: IlogError };
/** What to do with a request once every earlier one has been sent: `skip` when PostgreSQL would skip it (after an error, until Sync). */
type Step = (skip: boolean) => void;
type Portal = { stmt: Prepared | undefined; values: string[] };

const MAX_BUFFERED = 8 * 1024 * 1024;
/** Requests read ahead of what has been sent on; past this the client is paused. */
const MAX_STEPS = 1024;

export class Session {
  readonly facts: SessionFacts;
  #client: Socket;
  #creader: FrameReader;
  #up: UpstreamSession;
  #ctx: SessionContext;
  #purpose: string | undefined;
  #statements = new Map<string, Prepared>();
  #portals = new Map<string, Portal>();
  #pending = new PendingQueue();
  #tx = 0x49; // 'I'
  #skipUntilSync = false;
  /** Syncs sent upstream: an overlapped Execute refused late skips requests only up to its own Sync. */
  #syncs = 0;
  /** Settles when every overlapped request so far knows whether its entry is durable. */
  #holdsSettled: Promise<unknown> = Promise.resolve();
  #out: ClientOutput;
  /** Requests read but not yet sent on, in arrival order (see #intake / #drain). */
  #steps: { t: string; run: Step | Promise<Step> }[] = [];
  #draining = false;
  #broken = false;
  #closed = false;
  #onClose: () => void;
  #cancelUpstream: () => void;

  constructor(a: { client: Socket; reader: FrameReader; upstream: UpstreamSession; facts: SessionFacts; purpose?: string; ctx: SessionContext; onClose: () => void; cancelUpstream: () => void }) {
    this.#client = a.client;
    this.#creader = a.reader;
    this.#up = a.upstream;
    this.facts = a.facts;
    this.#purpose = a.purpose;
    this.#ctx = a.ctx;
    this.#onClose = a.onClose;
    this.#cancelUpstream = a.cancelUpstream;
    this.#out = new ClientOutput(a.client);
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
    this.#client.end(errorResponse(err));
    this.#cancelUpstream();
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#up.socket.destroyed) this.#up.socket.end(message('X'));
    this.#up.socket.destroy();
    if (!this.#client.destroyed) this.#client.end();
    setTimeout(() => this.#client.destroy(), 1000).unref();
    this.#onClose();
  }

  #upstreamGone(): void {
    if (this.#closed) return;
    this.#closed = true;
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
        this.#steps.push({ t, run: t === 'Q' || t === 'E' || t === 'F' ? this.#gated(t, f) : this.#plain(t, f) });
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
    const up = this.#up.socket;
    try {
      up.cork();
      while (this.#steps.length > 0 && !this.#closed) {
        const step = this.#steps[0]!;
        let run = step.run;
        if (run instanceof Promise) {
          up.uncork();
          run = await run;
          up.cork();
        }
        this.#steps.shift();
        run(this.#skipUntilSync && step.t !== 'S');
      }
    } catch (e) {
      this.terminate({ severity: 'FATAL', code: 'XX000', message: `ilog: internal error: ${(e as Error).message}` });
    } finally {
      up.uncork();
      this.#draining = false;
      if (this.#client.isPaused() && this.#steps.length < MAX_STEPS && !this.#up.socket.writableNeedDrain) this.#client.resume();
    }
  }

  #forward(f: Frame): void {
    if (!this.#up.socket.write(f.raw)) {
      this.#client.pause();
      this.#up.socket.once('drain', () => this.#client.resume());
    }
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
      this.#forward(f);
    };
  }

  #gated(t: string, f: Frame): Step | Promise<Step> {
    const step = t === 'Q' ? this.#simpleQuery(f) : t === 'E' ? this.#execute(f) : this.#functionCall(f);
    // Log-first: besides its own entry, wait until every overlapped request before it is settled,
    // so a write never follows a read whose refusal PostgreSQL's client would take as skipping it.
    return step instanceof Promise ? Promise.all([step, this.#holdsSettled]).then(([s]) => s) : step;
  }

  /**
   * The overlapped path for requests proven read-only: appending starts now, the request is sent
   * on without waiting, and its responses are held (ClientOutput) until the entries are durable.
   */
  #overlapped(cands: Candidate[], extended: boolean, send: (hold: Hold) => void): Step {
    const refused = screen(this.#ctx, this.facts, cands);
    if (refused) return this.#local(() => this.#refuse(refused.error, extended, refused.locked));
    const hold = new Hold(extended);
    let sent = false;
    let syncs = 0;
    const logged = logAccess(this.#ctx, this.facts, cands);
    this.#holdsSettled = Promise.all([this.#holdsSettled, hold.settled]);
    void logged.then((r) => {
      if (r.ok) hold.ok(r.access);
      else hold.fail(r.error);
      if (this.#closed) return;
      if (!r.ok && r.locked) return this.terminate(r.error);
      // Refused after it was sent: what PostgreSQL's client takes as skipped up to Sync must be skipped.
      if (!r.ok && sent && extended && syncs === this.#syncs) this.#skipUntilSync = true;
      this.#out.flush();
      if (this.#up.socket.isPaused() && this.#out.held < MAX_BUFFERED) this.#up.socket.resume();
    });
    return (skip) => {
      if (skip) return void this.#afterGateLater(logged);
      sent = true;
      syncs = this.#syncs;
      send(hold);
    };
  }

  /** A skipped overlapped request: once its entries are durable, record that it did not run. */
  async #afterGateLater(logged: Promise<GateResult>): Promise<void> {
    this.#afterGate(await logged, false, () => {})(true);
  }

  /** The Step for a gated request once its gate has answered. */
  #afterGate(r: GateResult, extended: boolean, send: (access: number[]) => void): Step {
    return (skip) => {
      if (skip) {
        // Logged, but PostgreSQL would not have run it: record that it did not run.
        if (r.ok) for (const access of r.access) recordOutcome(this.#ctx, { access, session: this.facts.session, status: 'error', durationMs: 0 });
        return;
      }
      if (!r.ok) return this.#refuse(r.error, extended, r.locked);
      send(r.access);
    };
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

  #refuse(error: ErrorFields, extended: boolean, locked?: boolean): void {
    if (locked) return this.terminate(error);
    this.#answer(() => [errorResponse(error)], extended);
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
      const purpose = this.#purpose ?? null;
      return this.#local(() => this.#answer(() => [rowDescription1Text('ilog.purpose'), dataRow1(purpose), commandComplete('SHOW')]));
    }
    if (only?.setPurpose !== undefined && only.setPurpose !== null && !this.#ctx.policy.accepts(only.setPurpose)) {
      return this.#local(() => this.#refuse(this.#patternError(only.setPurpose!), false));
    }
    const comment = purposeFromComment(text);
    let running = this.#purpose;
    const cands: Candidate[] = infos.map((info) => {
      if (info.setPurpose !== undefined) running = info.setPurpose ?? undefined;
      return { info, purpose: comment ?? running };
    });
    // Session state follows the request order, like PostgreSQL's own SET.
    this.#purpose = running;
    if (this.#ctx.overlapReads !== false && infos.every((i) => i.readOnly)) {
      return this.#overlapped(cands, false, (hold) => {
        const start = performance.now();
        for (let i = 0; i < infos.length; i++) hold.tracked.push({ access: -1, start, hold });
        this.#pending.push({ t: 'query', stmts: hold.tracked, next: 0, hold });
        this.#forward(f);
      });
    }
    return admit(this.#ctx, this.facts, cands).then((r) =>
      this.#afterGate(r, false, (access) => {
        if (only?.setPurpose !== undefined) {
          // SET/RESET ilog.purpose is the proxy's own business: logged, answered here, not forwarded.
          recordOutcome(this.#ctx, { access: access[0]!, session: this.facts.session, status: 'ok', command: 'SET', durationMs: 0 });
          return this.#answer(() => [commandComplete(only.setPurpose === null ? 'RESET' : 'SET')]);
        }
        const start = performance.now();
        this.#pending.push({ t: 'query', stmts: access.map((a) => ({ access: a, start })), next: 0 });
        this.#forward(f);
      }),
    );
  }

  #patternError(purpose: string): ErrorFields {
    return { severity: 'ERROR', code: SQLSTATE.PURPOSE_REJECTED, message: `ilog: purpose ${JSON.stringify(purpose)} does not match the required pattern ${this.#ctx.policy.pattern}` };
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
    if (info.setPurpose !== undefined && info.setPurpose !== null && !this.#ctx.policy.accepts(info.setPurpose)) {
      return this.#local(() => this.#refuse(this.#patternError(info.setPurpose!), true));
    }
    if (info.setPurpose !== undefined) this.#purpose = info.setPurpose ?? undefined;
    const purpose = purposeFromComment(stmt.text) ?? this.#purpose;
    if (this.#ctx.overlapReads !== false && info.readOnly) {
      return this.#overlapped([{ info, purpose, boundValues: portal.values }], true, (hold) => {
        hold.tracked.push({ access: -1, start: performance.now(), hold });
        this.#pending.push({ t: 'exec', stmt: hold.tracked[0], hold });
        this.#forward(f);
      });
    }
    return admit(this.#ctx, this.facts, [{ info, purpose, boundValues: portal.values }]).then((r) =>
      this.#afterGate(r, true, (access) => {
        this.#pending.push({ t: 'exec', stmt: { access: access[0]!, start: performance.now() } });
        this.#forward(f);
      }),
    );
  }

  /** FunctionCall ('F'): runs a function by OID; logged like a statement that needs a purpose. */
  #functionCall(f: Frame): Promise<Step> {
    const { oid, args } = parseFunctionCall(f.body);
    const values = args.filter((a) => a !== null).map((a) => hmacValue(this.#ctx.hmacKey, a));
    const info: StatementInfo = { kind: 'FunctionCall', action: 'other', relations: [], literals: [], normalized: `function call oid ${oid}`, housekeeping: false };
    return admit(this.#ctx, this.facts, [{ info, purpose: this.#purpose, boundValues: values }]).then((r) =>
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
    client.cork();
    try {
      for (let f = reader.next(); f; f = reader.next()) {
        const t = String.fromCharCode(f.type);
        // The request this frame answers, before accounting moves past it.
        const head = this.#pending.head;
        const hold = head?.t === 'query' || head?.t === 'exec' ? head.hold : undefined;
        let finished: Finished[] | undefined;
        if (t === 'C') finished = this.#pending.onUpstream(t, new BodyReader(f.body).cstring());
        else if (t === 'E') finished = this.#pending.onUpstream(t, undefined, parseErrorFields(f.body).C);
        else if (t === 'Z') {
          this.#tx = f.body[0] ?? 0x49;
          finished = this.#pending.onUpstream(t);
        } else if (t !== 'D' && t !== 'N' && t !== 'A' && t !== 'S' && t !== 'd') finished = this.#pending.onUpstream(t);
        if (finished) for (const x of finished) this.#outcome(x);
        this.#out.push(f.raw, f.type, hold);
        this.#flushInjected();
      }
    } catch (e) {
      this.terminate({ severity: 'FATAL', code: SQLSTATE.PROTOCOL_VIOLATION, message: `ilog: upstream protocol error: ${(e as Error).message}` });
    } finally {
      client.uncork();
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
    // An overlapped statement's index is known once its entry is durable; refused, it gets no outcome here (gate's late path).
    if (hold?.state === 'wait') return void hold.settled.then(() => this.#outcome(x, durationMs));
    if (hold?.state === 'failed') return;
    recordOutcome(this.#ctx, {
      access: x.stmt.access,
      session: this.facts.session,
      status: x.status,
      rows: x.command ? rowsFromTag(x.command) : undefined,
      sqlstate: x.sqlstate,
      command: x.command,
      durationMs,
    });
  }
}

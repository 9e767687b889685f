// The gate of a session's statements when some of them are catalog reads
// without a purpose: PostgreSQL's own answer in that session decides
// (resolve.ts), asked just before the statement is sent, after every earlier
// request, so an earlier SET search_path has taken effect. Every statement the
// proxy itself runs on the person's backend goes through #resolveNames: its
// access entry (`by: "proxy"`) is durable before it is sent, its outcome follows.
import type { Analyzer, StatementInfo } from './classify.js';
import { hmacValue, type SessionFacts } from './entries.js';
import { admit, recordOutcome, type Candidate, type GateContext, type GateResult, type UpstreamRun } from './gate.js';
import type { ProbeItem } from './pending.js';
import { probe } from './probe.js';
import { judgeProbe, mergeChecks, probeSql, PROBE_RELATIONS, type Verdict } from './resolve.js';

/** What the resolver needs of its session. */
export interface ResolverHost {
  readonly ctx: GateContext & { analyzer: Analyzer };
  readonly facts: SessionFacts;
  /** The backend's statement numbering (the proxy's own question takes a number too). */
  readonly run: UpstreamRun;
  /** Writes the proxy's own bytes to the upstream backend. */
  sendOwn(b: Buffer): void;
  pushPending(item: ProbeItem): void;
  /** The client's extended-protocol messages are in flight without a Sync (the question must not end their batch). */
  readonly unsynced: boolean;
  readonly closed: boolean;
  /** The question failed inside an extended batch: PostgreSQL now skips to Sync. */
  upstreamSkipping(): void;
  /** PostgreSQL skipped the question (an earlier error in the batch): skip the statement too, up to Sync. */
  skipToSync(): void;
  /** Name prefix for the proxy's own prepared statement and portal. */
  readonly ownName: string;
}

type Step = (skip: boolean) => void | Promise<void>;
type AfterGate = (r: GateResult) => Step;

export class SessionResolver {
  #host: ResolverHost;
  /** Settles when the resolution now in progress has appended its statement's entry. */
  #barrier: Promise<void> | undefined;

  constructor(host: ResolverHost) {
    this.#host = host;
  }

  /** The gate for these candidates: now when no question is needed, else a Step that asks at send time. */
  /** A name resolution is in progress: later statements queue behind it, so none may take another path around it. */
  get busy(): boolean {
    return this.#barrier !== undefined;
  }

  gate(cands: Candidate[], after: AfterGate): Step | Promise<Step> {
    const h = this.#host;
    const probeFor = cands.filter((c) => c.info.catalogCheck && (c.purpose === undefined || c.purpose.trim() === ''));
    if (probeFor.length === 0) {
      // Behind a resolution in progress, wait for it: access entries stay in the order the statements run.
      const barrier = this.#barrier;
      return (barrier ? barrier.then(() => admit(h.ctx, h.facts, cands, h.run)) : admit(h.ctx, h.facts, cands, h.run)).then(after);
    }
    let open!: () => void;
    const barrier = new Promise<void>((r) => (open = r));
    this.#barrier = barrier;
    return async (skip) => {
      try {
        if (!skip) await this.#resolveAndRun(cands, probeFor, after);
      } finally {
        if (this.#barrier === barrier) this.#barrier = undefined;
        open();
      }
    };
  }

  async #resolveAndRun(cands: Candidate[], probeFor: Candidate[], after: AfterGate): Promise<void> {
    const answer = await this.#resolveNames(mergeChecks(probeFor.map((c) => c.info.catalogCheck!)));
    if (answer === 'skipped') return this.#host.skipToSync();
    for (const c of probeFor) {
      c.catalogOnly = answer?.catalogOnly === true;
      if (answer) {
        c.relations = c.info.relations.map((n) => (n.includes('.') ? n : (answer.relations.get(n) ?? n)));
        c.unresolved = c.relations.filter((n) => !n.includes('.'));
      }
    }
    await after(await admit(this.#host.ctx, this.#host.facts, cands, this.#host.run))(false);
  }

  /** Asks the backend; undefined when the question could not be asked or answered (then a purpose is needed). */
  async #resolveNames(check: NonNullable<StatementInfo['catalogCheck']>): Promise<Verdict | 'skipped' | undefined> {
    const h = this.#host;
    const sql = probeSql(check);
    const info = h.ctx.analyzer.analyze(sql)[0]!;
    const r = await admit(h.ctx, h.facts, [{ info, purpose: undefined, catalogOnly: true, relations: PROBE_RELATIONS, byProxy: true, query: hmacValue(h.ctx.hmacKey, sql) }], h.run);
    if (!r.ok || h.closed) return undefined;
    const start = performance.now();
    const extended = h.unsynced;
    const ans = await probe((b) => h.sendOwn(b), (it) => h.pushPending(it), sql, extended, h.ownName + 'r');
    recordOutcome(h.ctx, { access: r.access[0]!, session: h.facts.session, status: ans.ok ? 'ok' : 'error', ...(ans.ok ? { rows: ans.rows.length } : { sqlstate: ans.sqlstate }), durationMs: performance.now() - start });
    if (!ans.ok && extended) h.upstreamSkipping();
    if (!ans.ok && ans.skipped) return 'skipped';
    return ans.ok ? judgeProbe(ans.rows[0] ?? undefined) : undefined;
  }
}

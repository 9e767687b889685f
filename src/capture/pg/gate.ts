// The gate every statement passes before it is forwarded: the person is not
// locked, a purpose is stated where one is needed and matches the policy, and
// its access entry is durable in the log (fail closed: no entry, no statement).
import { IlogError } from '../../ledger/errors.js';
import type { LockState } from '../locks.js';
import { appendDurable, type AccessLog } from './access-log.js';
import type { StatementInfo } from './classify.js';
import { accessEntryBytes, hmacValue, outcomeEntry, outcomeEntryBytes, type OutcomeFacts, type SessionFacts, type StatementFacts, type StatementOutcome } from './entries.js';
import type { OutcomeWriter } from './outcome-writer.js';
import type { ErrorFields } from './protocol/messages.js';
import type { ProxyMetrics } from './proxy-metrics.js';
import { MAX_PURPOSE, type PurposePolicy } from './purpose.js';
import { SQLSTATE } from './sqlstate.js';

export interface GateContext {
  log: AccessLog;
  locks: LockState;
  policy: PurposePolicy;
  hmacKey: Buffer;
  logTimeoutMs: number;
  /** Appends outcome entries (not awaited), holding and retrying them when the log cannot write. */
  outcomes: Pick<OutcomeWriter, 'record'>;
  metrics?: ProxyMetrics;
}

/** One statement as it is about to run. */
export interface Candidate {
  info: StatementInfo;
  purpose: string | undefined;
  /** Bind values, already HMACed (extended protocol), placed before the literals. */
  boundValues?: string[];
  /** HMAC of the exact query string sent upstream (pgAudit logs it as the statement text); absent when not forwarded. */
  query?: string;
  /** Relations as the session resolves them (search-path.ts, resolve.ts); default: info.relations. */
  relations?: string[];
  /** Those of `relations` the proxy could not pin to one schema. */
  unresolved?: string[];
  /** PostgreSQL confirmed, in this session, that every name is an allow-listed catalog object (resolve.ts). */
  catalogOnly?: boolean;
  /** The proxy's own statement (name resolution), logged like the person's. */
  byProxy?: boolean;
}

/**
 * The upstream backend a session's statements run on, numbered in the order the
 * proxy sends them (one number per statement, even within one query string), so
 * that the pgAudit reconciler can match the server's audit records exactly.
 */
export interface UpstreamRun {
  pid: number;
  port: number | undefined;
  /** Statements numbered so far. */
  seq: number;
}

export type GateResult = { ok: true; access: number[] } | { ok: false; error: ErrorFields; locked?: boolean };

const HOW = "state a purpose: start the session with options='-c ilog.purpose=…' (or PGOPTIONS), run SET ilog.purpose = '…', or begin the statement with /* purpose: … */";

export function lockedError(reason?: string): ErrorFields {
  return { severity: 'FATAL', code: SQLSTATE.LOCKED, message: `access is locked for this person${reason ? `: ${reason}` : ''}`, hint: 'ask an ilog admin; the lock is recorded in the log' };
}

/** Why a stated purpose (comment, SET, start-up option) is refused, or undefined when it is acceptable. */
export function purposeProblem(purpose: string, policy: PurposePolicy): ErrorFields | undefined {
  if (purpose.length > MAX_PURPOSE) {
    return { severity: 'ERROR', code: SQLSTATE.PURPOSE_TOO_LONG, message: `ilog: a purpose may be at most ${MAX_PURPOSE} characters (this one has ${purpose.length})`, hint: 'state the purpose briefly and point to where the details are, e.g. a ticket id' };
  }
  if (purpose.trim() === '') {
    return { severity: 'ERROR', code: SQLSTATE.PURPOSE_REJECTED, message: 'ilog: an empty purpose is not a purpose', hint: `state what the access is for; RESET ilog.purpose clears a purpose` };
  }
  if (!policy.accepts(purpose)) {
    return { severity: 'ERROR', code: SQLSTATE.PURPOSE_REJECTED, message: `ilog: purpose ${JSON.stringify(purpose)} does not match the required pattern ${policy.pattern}`, hint: 'state a purpose that matches the policy, e.g. a ticket id' };
  }
  return undefined;
}

/** Checks purpose rules for every candidate; returns the refusal or undefined. */
export function checkPurpose(cands: Candidate[], policy: PurposePolicy): ErrorFields | undefined {
  for (const c of cands) {
    if (c.purpose !== undefined && c.purpose.length > MAX_PURPOSE) return purposeProblem(c.purpose, policy);
    if (c.info.housekeeping || c.catalogOnly) continue;
    if (c.purpose === undefined || c.purpose.trim() === '') {
      const rel = c.relations ?? c.info.relations;
      return { severity: 'ERROR', code: SQLSTATE.NO_PURPOSE, message: `ilog: a purpose is required for ${c.info.kind} (${c.info.action}${rel.length ? ' on ' + rel.join(', ') : ''})`, hint: HOW };
    }
    const problem = purposeProblem(c.purpose, policy);
    if (problem) return problem;
  }
  return undefined;
}

/** Runs the gate: lock, purpose, durable access entries (in order). */
export async function admit(ctx: GateContext, facts: SessionFacts, cands: Candidate[], up?: UpstreamRun): Promise<GateResult> {
  return screen(ctx, facts, cands) ?? logAccess(ctx, facts, cands, up);
}

/** The checks that need no log: the person is not locked, purposes are stated and match. */
export function screen(ctx: GateContext, facts: SessionFacts, cands: Candidate[]): (GateResult & { ok: false }) | undefined {
  const lock = ctx.locks.isLocked(facts.person);
  if (lock) return { ok: false, error: lockedError(lock.reason), locked: true };
  const refusal = checkPurpose(cands, ctx.policy);
  return refusal ? { ok: false, error: refusal } : undefined;
}

/** Appends the candidates' access entries; resolves once they are durable (or with the refusal). Appending starts at once, in call order. */
export function logAccess(ctx: GateContext, facts: SessionFacts, cands: Candidate[], up?: UpstreamRun): Promise<GateResult> {
  return appendAccess(ctx, facts, statementFacts(ctx, cands, up));
}

/**
 * What the candidates' access entries will say, numbered on the upstream backend now (call it in the order
 * the statements are sent); appendAccess writes them, at once or — a read whose answer is held — with its outcome.
 */
export function statementFacts(ctx: GateContext, cands: Candidate[], up?: UpstreamRun): StatementFacts[] {
  return cands.map((c) => ({
    kind: c.info.kind,
    action: c.info.action,
    relations: c.relations ?? c.info.relations,
    unresolved: c.unresolved,
    body: c.info.body,
    byProxy: c.byProxy,
    normalized: c.info.normalized,
    values: [...(c.boundValues ?? []), ...c.info.literals.map((l) => hmacValue(ctx.hmacKey, l))],
    purpose: c.purpose,
    // Numbered now, synchronously: admit runs in arrival order, which is the order statements are sent.
    upstream: up && c.query ? { pid: up.pid, ...(up.port !== undefined ? { port: up.port } : {}), seq: ++up.seq, query: c.query } : undefined,
  }));
}

/** Appends access entries (each with its statement's outcome when `outcomes` has one); resolves once they are durable (or with the refusal). */
export async function appendAccess(ctx: GateContext, facts: SessionFacts, statements: StatementFacts[], outcomes?: (StatementOutcome | undefined)[]): Promise<GateResult> {
  const entries = statements.map((st, i) => accessEntryBytes(facts, st, outcomes?.[i]));
  const start = performance.now();
  // Refused after all: record that the logged access never ran.
  const late = (index: number): void => recordOutcome(ctx, { access: index, session: facts.session, status: 'error', sqlstate: SQLSTATE.LOG_UNAVAILABLE, durationMs: performance.now() - start });
  const results = await Promise.allSettled(entries.map((e) => appendDurable(ctx.log, e, ctx.logTimeoutMs, late)));
  ctx.metrics?.logWait(performance.now() - start);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of results) if (r.status === 'fulfilled') late(r.value);
    const e = (failed as PromiseRejectedResult).reason;
    const why = e instanceof IlogError ? e.message : String(e);
    return { ok: false, error: { severity: 'ERROR', code: SQLSTATE.LOG_UNAVAILABLE, message: `ilog: statement refused, its access entry could not be made durable: ${why}`, hint: 'nothing was executed; retry when the log is available again' } };
  }
  // A lock may have landed while we waited for the log.
  const lockAfter = ctx.locks.isLocked(facts.person);
  if (lockAfter) return { ok: false, error: lockedError(lockAfter.reason), locked: true };
  return { ok: true, access: results.map((r) => (r as PromiseFulfilledResult<number>).value) };
}

export function recordOutcome(ctx: GateContext, o: OutcomeFacts): void {
  ctx.metrics?.statement(o.status, o.sqlstate);
  const entry = outcomeEntry(o);
  let bytes: Uint8Array | undefined;
  try {
    bytes = outcomeEntryBytes(o, entry);
  } catch {
    // Not encodable: the object goes to the writer, whose append reports why.
  }
  ctx.outcomes.record(entry, bytes);
}

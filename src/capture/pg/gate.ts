// The gate every statement passes before it is forwarded: the person is not
// locked, a purpose is stated where one is needed and matches the policy, and
// its access entry is durable in the log (fail closed: no entry, no statement).
import { IlogError } from '../../ledger/errors.js';
import type { LockState } from '../locks.js';
import { appendDurable, type AccessLog } from './access-log.js';
import type { StatementInfo } from './classify.js';
import { accessEntryBytes, hmacValue, outcomeEntryBytes, type OutcomeFacts, type SessionFacts } from './entries.js';
import type { ErrorFields } from './protocol/messages.js';
import type { PurposePolicy } from './purpose.js';
import { SQLSTATE } from './sqlstate.js';

export interface GateContext {
  log: AccessLog;
  locks: LockState;
  policy: PurposePolicy;
  hmacKey: Buffer;
  logTimeoutMs: number;
  /** Called when an outcome entry (not awaited) could not be appended. */
  onLogError?: (e: unknown) => void;
}

/** One statement as it is about to run. */
export interface Candidate {
  info: StatementInfo;
  purpose: string | undefined;
  /** Bind values, already HMACed (extended protocol), placed before the literals. */
  boundValues?: string[];
}

export type GateResult = { ok: true; access: number[] } | { ok: false; error: ErrorFields; locked?: boolean };

const HOW = "state a purpose: start the session with options='-c ilog.purpose=…' (or PGOPTIONS), run SET ilog.purpose = '…', or begin the statement with /* purpose: … */";

export function lockedError(reason?: string): ErrorFields {
  return { severity: 'FATAL', code: SQLSTATE.LOCKED, message: `access is locked for this person${reason ? `: ${reason}` : ''}`, hint: 'ask an ilog admin; the lock is recorded in the log' };
}

/** Checks purpose rules for every candidate; returns the refusal or undefined. */
export function checkPurpose(cands: Candidate[], policy: PurposePolicy): ErrorFields | undefined {
  for (const c of cands) {
    if (c.info.housekeeping) continue;
    if (c.purpose === undefined || c.purpose.trim() === '') {
      return { severity: 'ERROR', code: SQLSTATE.NO_PURPOSE, message: `ilog: a purpose is required for ${c.info.kind} (${c.info.action}${c.info.relations.length ? ' on ' + c.info.relations.join(', ') : ''})`, hint: HOW };
    }
    if (!policy.accepts(c.purpose)) {
      return { severity: 'ERROR', code: SQLSTATE.PURPOSE_REJECTED, message: `ilog: purpose ${JSON.stringify(c.purpose)} does not match the required pattern ${policy.pattern}`, hint: 'state a purpose that matches the policy, e.g. a ticket id' };
    }
  }
  return undefined;
}

/** Runs the gate: lock, purpose, durable access entries (in order). */
export async function admit(ctx: GateContext, facts: SessionFacts, cands: Candidate[]): Promise<GateResult> {
  return screen(ctx, facts, cands) ?? logAccess(ctx, facts, cands);
}

/** The checks that need no log: the person is not locked, purposes are stated and match. */
export function screen(ctx: GateContext, facts: SessionFacts, cands: Candidate[]): (GateResult & { ok: false }) | undefined {
  const lock = ctx.locks.isLocked(facts.person);
  if (lock) return { ok: false, error: lockedError(lock.reason), locked: true };
  const refusal = checkPurpose(cands, ctx.policy);
  return refusal ? { ok: false, error: refusal } : undefined;
}

/** Appends the candidates' access entries; resolves once they are durable (or with the refusal). Appending starts at once, in call order. */
export async function logAccess(ctx: GateContext, facts: SessionFacts, cands: Candidate[]): Promise<GateResult> {
  const entries = cands.map((c) =>
    accessEntryBytes(facts, {
      kind: c.info.kind,
      action: c.info.action,
      relations: c.info.relations,
      normalized: c.info.normalized,
      values: [...(c.boundValues ?? []), ...c.info.literals.map((l) => hmacValue(ctx.hmacKey, l))],
      purpose: c.purpose,
    }),
  );
  const start = performance.now();
  // Refused after all: record that the logged access never ran.
  const late = (index: number): void => recordOutcome(ctx, { access: index, session: facts.session, status: 'error', sqlstate: SQLSTATE.LOG_UNAVAILABLE, durationMs: performance.now() - start });
  const results = await Promise.allSettled(entries.map((e) => appendDurable(ctx.log, e, ctx.logTimeoutMs, late)));
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
  let entry: Uint8Array;
  try {
    entry = outcomeEntryBytes(o);
  } catch (e) {
    return ctx.onLogError?.(e);
  }
  // Deferred: an outcome committed alone would sit in front of the next statement's access entry.
  (ctx.log.appendDeferred ? ctx.log.appendDeferred(entry) : ctx.log.append(entry)).catch((e: unknown) => ctx.onLogError?.(e));
}

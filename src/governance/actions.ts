// What an admin's command does, end to end: read the policy, build and sign the
// entry, append it (data dir or POST /add), replay, and say what happened —
// applied, pending (n of M), in force, or rejected (and then record the refusal
// in the log: the command is the component that noticed it).
import { setTimeout as sleep } from 'node:timers/promises';
import { VerifierStore } from '../capture/directory.js';
import { IlogError } from '../ledger/errors.js';
import { buildApproval, buildBreakglassRequest, buildLock, buildLockdown, buildProposal, buildRejected } from './build.js';
import type { Change } from './changes.js';
import { commitment } from './credential.js';
import type { PolicyMachine } from './machine.js';
import type { Policy } from './policy.js';
import type { GovernanceSigner } from './signing.js';
import { loadPolicyMachine, submit, type Target } from './target.js';

export interface Outcome {
  index: number;
  /** Proposal id (proposals and approvals). */
  id?: string;
  status: 'applied' | 'pending' | 'in-force' | 'rejected' | 'submitted';
  approvals?: number;
  quorum?: number;
  reason?: string;
  detail?: string;
}

function requireGoverned(p: Policy): void {
  if (!p.governed) throw new IlogError('NOT_GOVERNED', 'this log has no admins in its genesis; create it with `ilog init --admin <vkey> … --quorum M`');
}

/** Replays until the entry at `index` is visible (remote logs publish it with their next checkpoint). */
async function replayThrough(t: Target, m: PolicyMachine, index: number): Promise<PolicyMachine | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await loadPolicyMachine(t, m);
    if (m.policy.size > index) return m;
    await sleep(200);
  }
  return undefined;
}

async function outcomeOf(t: Target, machine: PolicyMachine, index: number, id?: string): Promise<Outcome> {
  const m = await replayThrough(t, machine, index);
  if (!m) return { index, status: 'submitted', ...(id ? { id } : {}) };
  const p = m.policy;
  const r = p.rejections.get(index);
  if (r) {
    if (r.recordedAt === undefined) await submit(t, [buildRejected(index, r.reason, r.detail, Date.now())]);
    return { index, status: 'rejected', reason: r.reason, detail: r.detail, ...(id ? { id } : {}) };
  }
  const pending = id ? p.proposals.get(id) : undefined;
  if (!pending) return { index, status: 'in-force' };
  return { index, id: pending.id, status: pending.state === 'applied' ? 'applied' : 'pending', approvals: pending.approvals.size, quorum: p.quorum };
}

/** Throws GOVERNANCE_REJECTED for a rejected outcome (exit code 1, reason in evidence). */
export function assertAccepted(o: Outcome): Outcome {
  if (o.status !== 'rejected') return o;
  throw new IlogError('GOVERNANCE_REJECTED', `the log refused entry ${o.index}: ${o.reason} — ${o.detail}`, { index: o.index, reason: o.reason, detail: o.detail });
}

export async function propose(
  t: Target,
  signer: GovernanceSigner,
  make: (p: Policy) => { changes: Change[]; verifiers: string[] },
  opts: { comment?: string; ttlMs?: number; now?: number } = {},
): Promise<Outcome> {
  const m = await loadPolicyMachine(t);
  requireGoverned(m.policy);
  const { changes, verifiers } = make(m.policy);
  const now = opts.now ?? Date.now();
  const entry = buildProposal({ origin: m.policy.origin, epoch: m.policy.epoch, changes, now, ...(opts.comment ? { comment: opts.comment } : {}), ...(opts.ttlMs ? { ttlMs: opts.ttlMs } : {}) }, signer);
  const [index] = await submit(t, [entry]);
  const outcome = await outcomeOf(t, m, index!, entry.id);
  // Verifiers reach the proxy store only once an accepted proposal in the log commits to them.
  if (!t.url && verifiers.length > 0 && outcome.status !== 'rejected' && outcome.status !== 'submitted') {
    deliverVerifiers(t.dir, verifiers, m.policy);
  }
  return outcome;
}

export async function approve(t: Target, signer: GovernanceSigner, id: string, now = Date.now()): Promise<Outcome> {
  const m = await loadPolicyMachine(t);
  requireGoverned(m.policy);
  // Through --url a proposal appears with the next checkpoint: give it a few seconds.
  for (let i = 0; t.url && i < 25 && !m.policy.proposals.has(id); i++) {
    await sleep(200);
    await loadPolicyMachine(t, m);
  }
  if (!m.policy.proposals.has(id)) throw new IlogError('UNKNOWN_PROPOSAL', `no proposal ${id} in this log; copy the id \`ilog propose\` printed (or see \`ilog policy show\`)`, { id });
  const [index] = await submit(t, [buildApproval(m.policy.origin, id, signer, now)]);
  return outcomeOf(t, m, index!, id);
}

export type OneSignatureAction =
  | { kind: 'lock'; person: string; reason: string }
  | { kind: 'lockdown'; reason: string }
  | { kind: 'breakglass'; person: string; reason: string; ttlSeconds: number };

/** A one-signature emergency action (fail-safe direction, or break-glass which the quorum must ratify). */
export async function act(t: Target, signer: GovernanceSigner, a: OneSignatureAction, now = Date.now()): Promise<Outcome> {
  const m = await loadPolicyMachine(t);
  requireGoverned(m.policy);
  const origin = m.policy.origin;
  const entry =
    a.kind === 'lock'
      ? buildLock(origin, a.person, a.reason, signer, now)
      : a.kind === 'lockdown'
        ? buildLockdown(origin, a.reason, signer, now)
        : buildBreakglassRequest(origin, a.person, a.reason, a.ttlSeconds, signer, now);
  const [index] = await submit(t, [entry]);
  return outcomeOf(t, m, index!);
}

/**
 * Puts verifiers into `<dir>/proxy.db`, each only if an admin-signed proposal in
 * the log commits to it (CREDENTIAL_MISMATCH otherwise): the store never holds a
 * credential the log does not know about.
 */
export function deliverVerifiers(dir: string, verifiers: string[], policy: Policy): void {
  for (const v of verifiers) {
    if (!policy.commitments.has(commitment(v))) {
      throw new IlogError('CREDENTIAL_MISMATCH', 'no proposal in the log commits to this verifier; deliver the verifier the proposal was made with', {
        commitment: commitment(v),
      });
    }
  }
  const store = new VerifierStore(dir);
  try {
    for (const v of verifiers) store.put(v);
  } finally {
    store.close();
  }
}

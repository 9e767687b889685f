// Building governance entries on an admin's (or person's) machine: the CLI
// commands and the tests use these, the server never does (it holds no admin
// key). Every signed entry gets a fresh random nonce and an expiry, so the same
// intent signed twice is two distinct bodies and a captured entry cannot be
// replayed later or elsewhere.
import { randomBytes } from 'node:crypto';
import type { Change } from './changes.js';
import type {
  ApprovalEntry,
  BreakglassExpiredEntry,
  BreakglassRequestEntry,
  LockdownSetEntry,
  LockSetEntry,
  NoticeEntry,
  ProposalEntry,
  RejectedEntry,
} from './entries.js';
import { formatTime } from './schema-parts.js';
import { bodyId, sign, type GovernanceSigner } from './signing.js';

/** Default validity: a proposal collects approvals for 7 days; an action must be logged within 10 minutes. */
export const DEFAULT_PROPOSAL_TTL_MS = 7 * 86_400_000;
export const DEFAULT_ACTION_TTL_MS = 10 * 60_000;

function signed<B extends { kind: string; origin: string }>(body: B, signer: GovernanceSigner, now: number) {
  const id = bodyId(body);
  return { v: 1 as const, time: formatTime(now), ...body, id, signature: sign(signer, body.origin, id) };
}

function freshBody(origin: string, now: number, ttlMs: number) {
  return { origin, nonce: randomBytes(16).toString('hex'), expires: formatTime(now + ttlMs) };
}

export interface ProposalInput {
  origin: string;
  /** Policy epoch (index of the entry that last changed the admin set). */
  epoch: number;
  changes: Change[];
  comment?: string;
  ttlMs?: number;
  now: number;
}

export function buildProposal(input: ProposalInput, signer: GovernanceSigner): ProposalEntry {
  const body = {
    kind: 'governance.proposal' as const,
    ...freshBody(input.origin, input.now, input.ttlMs ?? DEFAULT_PROPOSAL_TTL_MS),
    epoch: input.epoch,
    changes: input.changes,
    ...(input.comment ? { comment: input.comment } : {}),
  };
  return signed(body, signer, input.now);
}

export function buildApproval(origin: string, proposalId: string, signer: GovernanceSigner, now: number): ApprovalEntry {
  return { v: 1, time: formatTime(now), kind: 'governance.approval', origin, proposal: proposalId, signature: sign(signer, origin, proposalId) };
}

export function buildLock(origin: string, person: string, reason: string, signer: GovernanceSigner, now: number): LockSetEntry {
  return signed({ kind: 'lock.set' as const, ...freshBody(origin, now, DEFAULT_ACTION_TTL_MS), person, reason }, signer, now);
}

export function buildLockdown(origin: string, reason: string, signer: GovernanceSigner, now: number): LockdownSetEntry {
  return signed({ kind: 'lockdown.set' as const, ...freshBody(origin, now, DEFAULT_ACTION_TTL_MS), reason }, signer, now);
}

export function buildBreakglassRequest(
  origin: string,
  person: string,
  reason: string,
  ttlSeconds: number,
  signer: GovernanceSigner,
  now: number,
): BreakglassRequestEntry {
  return signed({ kind: 'breakglass.request' as const, ...freshBody(origin, now, DEFAULT_ACTION_TTL_MS), person, reason, ttlSeconds }, signer, now);
}

export function buildExpired(grant: number, person: string, now: number): BreakglassExpiredEntry {
  return { v: 1, time: formatTime(now), kind: 'breakglass.expired', grant, person };
}

export function buildRejected(subject: number, reason: string, detail: string, now: number): RejectedEntry {
  return { v: 1, time: formatTime(now), kind: 'governance.rejected', subject, reason, ...(detail ? { detail: detail.slice(0, 2000) } : {}) };
}

export function buildNotice(subject: number, recipients: string[], text: string, now: number): NoticeEntry {
  return { v: 1, time: formatTime(now), kind: 'governance.notice', subject, event: 'breakglass.granted', recipients, text: text.slice(0, 2000) };
}

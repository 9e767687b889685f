// Signed reviews (docs/alert.md "Signed reviews"). Acknowledging, commenting,
// closing, suppressing and asking for escalation are entries signed with the
// reviewer's own Ed25519 key (`ilog reviewer keygen`), in the governance manner
// (src/governance/signing.ts) under the domain `ilog-review/v1`: the signature
// covers the SHA-256 of the entry's RFC 8785 form without its `signature`, and
// the log's origin, so a review can be moved neither to another alert nor to
// another log. Whoever holds the log's write token or the server cannot make
// one in a reviewer's name; every replay checks each one against the key the
// quorum registered for that reviewer before the review's index.
import { IlogError } from '../ledger/errors.js';
import { bodyId, loadSigner, sign, verifySignature, type GovernanceSigner, type Signature } from '../governance/signing.js';

export const REVIEW_DOMAIN = 'ilog-review/v1';
export const REVIEW_KINDS = ['alert.ack', 'alert.comment', 'alert.closed', 'alert.suppressed', 'alert.escalate'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];
/** A signed review's time may differ from the server's clock by at most this much (a review cannot be pre- or post-dated). */
export const REVIEW_CLOCK_SKEW_MS = 5 * 60_000;

/** Where the alert area learns reviewers' public keys: from the governance replay (change `reviewer.key`). */
export interface ReviewerKeys {
  /** The reviewer's keys registered at a log index before `index` (the latest such), or undefined. */
  at(reviewer: string, index: number): { vkey: string; recipient: string } | undefined;
  /** The reviewer's keys now (for new reviews and for encrypting new alerts), or undefined. */
  current(reviewer: string): { vkey: string; recipient: string } | undefined;
}

/** No reviewer has a key: no review counts (a log whose quorum registered none). */
export const NO_REVIEWER_KEYS: ReviewerKeys = { at: () => undefined, current: () => undefined };

type Unsigned = Record<string, unknown> & { kind: ReviewKind; by: string };

/** The id a review signature covers: the entry as logged (`v` 1 unless it says otherwise) without its signature. */
export function reviewId(entry: Record<string, unknown>): string {
  const { signature: _s, ...body } = entry;
  return bodyId({ v: 1, ...body });
}

/** `entry` with the reviewer's signature over it. */
export function signReview<T extends Unsigned>(entry: T, signer: GovernanceSigner, origin: string): T & { signature: Signature } {
  return { ...entry, signature: sign(signer, origin, reviewId(entry), REVIEW_DOMAIN) };
}

/** Whether the entry's signature verifies (by the key it names); never throws. Who that key belongs to is checked separately. */
export function reviewSignatureValid(entry: Record<string, unknown>, origin: string): boolean {
  const sig = entry.signature as Signature | undefined;
  if (!sig || typeof sig.signer !== 'string' || typeof sig.sig !== 'string') return false;
  try {
    return verifySignature(sig, origin, reviewId(entry), REVIEW_DOMAIN);
  } catch {
    return false;
  }
}

/**
 * Checks a review before it is appended: well signed, by the key registered for
 * `by` now, with a time near `now`. Throws REVIEW_SIGNATURE_INVALID,
 * REVIEWER_KEY_UNKNOWN or REVIEW_TIME_SKEW.
 */
export function checkReview(entry: Record<string, unknown> & { by: string; time: string }, keys: ReviewerKeys, origin: string, now: number): void {
  const key = keys.current(entry.by);
  if (!key) {
    throw new IlogError('REVIEWER_KEY_UNKNOWN', `${entry.by} has no reviewer key in the log; make one with \`ilog reviewer keygen\` and have the admins register it (ilog propose reviewer.key)`, { by: entry.by });
  }
  const sig = entry.signature as Signature | undefined;
  if (!sig || sig.signer !== key.vkey || !reviewSignatureValid(entry, origin)) {
    throw new IlogError('REVIEW_SIGNATURE_INVALID', `the review is not signed by ${entry.by}'s registered key; sign it with the key file from \`ilog reviewer keygen\``, { by: entry.by, signer: sig?.signer ?? null });
  }
  const t = Date.parse(entry.time);
  if (!(Math.abs(t - now) <= REVIEW_CLOCK_SKEW_MS)) {
    throw new IlogError('REVIEW_TIME_SKEW', `the review's time ${entry.time} is more than ${REVIEW_CLOCK_SKEW_MS / 60_000} minutes from the server's clock; check your clock and sign again`, { time: entry.time, server: new Date(now).toISOString() });
  }
}

/** Loads the signing half of a reviewer key file (see reviewer-key.ts). */
export function reviewSigner(skey: string): GovernanceSigner {
  return loadSigner(skey);
}

// Entry schemas of governance (docs/dev/contracts.md "Entries"): the signed
// forms of proposals, approvals, locks, lockdowns and break-glass requests, and
// the records the governance loop writes (rejections, notices, break-glass
// expiry). These schemas are applied by the replay (machine.ts), not registered
// with the ledger: the ledger's permissive family schemas let a malformed
// governance entry into the log, where replay refuses it and the refusal is
// recorded (a forged attempt must leave a trace, not a 400), and every process
// decodes the log the same way whatever it imported.
// A signed entry is its signed body plus `v`, `time`, `id` and `signature`; the
// body is everything else, so readers can recompute `id` from the entry alone
// and check the signature with nothing but the log.
import { z } from 'zod';
import { changeSchema } from './changes.js';
import { adminName, hex64, logIndex, nonce, personName, reason, rfc3339, signature, vkeyString } from './schema-parts.js';

const envelope = { v: z.literal(1), time: rfc3339, id: hex64, signature };
const bodyBase = { origin: z.string().min(1).max(256), nonce, expires: rfc3339 };

export const proposalEntrySchema = z
  .object({
    ...envelope,
    ...bodyBase,
    kind: z.literal('governance.proposal'),
    /** Index of the entry that last changed the admin set (0 = genesis); a proposal dies when it changes. */
    epoch: logIndex,
    changes: z.array(changeSchema).min(1).max(64),
    comment: z.string().max(2000).optional(),
  })
  .strict();

export const approvalEntrySchema = z
  .object({ v: z.literal(1), time: rfc3339, kind: z.literal('governance.approval'), origin: bodyBase.origin, proposal: hex64, signature })
  .strict();

export const lockSetEntrySchema = z.object({ ...envelope, ...bodyBase, kind: z.literal('lock.set'), person: personName, reason }).strict();

export const lockdownSetEntrySchema = z.object({ ...envelope, ...bodyBase, kind: z.literal('lockdown.set'), reason }).strict();

/** Break-glass lasts at most an hour: long enough to act, short enough that the quorum must look at it. */
export const MAX_BREAKGLASS_SECONDS = 3600;
export const breakglassRequestEntrySchema = z
  .object({
    ...envelope,
    ...bodyBase,
    kind: z.literal('breakglass.request'),
    person: personName,
    reason,
    ttlSeconds: z.number().int().min(60).max(MAX_BREAKGLASS_SECONDS),
  })
  .strict();

/** Written by the server's governance loop: an unratified grant ran out, so its holder is locked. */
export const breakglassExpiredEntrySchema = z
  .object({ v: z.literal(1), time: rfc3339, kind: z.literal('breakglass.expired'), grant: logIndex, person: personName })
  .strict();

/** A refused governance attempt, recorded by whoever noticed it while replaying. */
export const rejectedEntrySchema = z
  .object({
    v: z.literal(1),
    time: rfc3339,
    kind: z.literal('governance.rejected'),
    subject: logIndex,
    reason: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
    detail: z.string().max(2000).optional(),
  })
  .strict();

/** A notification sent to every admin (break-glass granted, for now). */
export const noticeEntrySchema = z
  .object({
    v: z.literal(1),
    time: rfc3339,
    kind: z.literal('governance.notice'),
    subject: logIndex,
    event: z.enum(['breakglass.granted']),
    recipients: z.array(adminName).max(64),
    text: z.string().max(2000),
  })
  .strict();

/** The governance fields of the genesis entry. */
export const genesisGovernanceSchema = z.object({
  admins: z.array(z.object({ name: adminName, vkey: vkeyString }).strict()).min(1).max(64),
  quorum: z.number().int().min(1).max(64),
});

export type ProposalEntry = z.infer<typeof proposalEntrySchema>;
export type ApprovalEntry = z.infer<typeof approvalEntrySchema>;
export type LockSetEntry = z.infer<typeof lockSetEntrySchema>;
export type LockdownSetEntry = z.infer<typeof lockdownSetEntrySchema>;
export type BreakglassRequestEntry = z.infer<typeof breakglassRequestEntrySchema>;
export type BreakglassExpiredEntry = z.infer<typeof breakglassExpiredEntrySchema>;
export type RejectedEntry = z.infer<typeof rejectedEntrySchema>;
export type NoticeEntry = z.infer<typeof noticeEntrySchema>;
export type SignedEntry = ProposalEntry | LockSetEntry | LockdownSetEntry | BreakglassRequestEntry;

/** The body a signed entry's `id` and signature cover: the entry minus its envelope. */
export function signedBody(entry: SignedEntry): Record<string, unknown> {
  const { v: _v, time: _t, id: _i, signature: _s, ...body } = entry;
  return body;
}

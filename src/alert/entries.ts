// The `alert.*` log entries (docs/dev/contracts.md "Entries"). Alerts live in the
// log, not beside it: raising, delivering, acknowledging, escalating, suppressing
// and closing are each an entry, so the alert state anyone sees can be rebuilt by
// replaying the log (see book.ts) and nobody can quietly make an alert disappear.
// An alert is named by the log index of its `alert.raised` entry.
import { z } from 'zod';
import { SEVERITIES } from '../detect/finding.js';
import { baseEntryShape, timeSchema } from '../ledger/entries/common.js';
import { registerEntryKind } from '../ledger/entries/registry.js';
import { ROUTE_LEVELS } from './router.js';

const person = z.string().min(1).max(256);
const text = z.string().max(2000);
const index = z.number().int().min(0);
const base = baseEntryShape;
/** A reviewer's signature (review.ts): their signed-note vkey and a base64 Ed25519 signature. */
const signature = z.object({ signer: z.string().min(3).max(512), sig: z.string().min(1).max(200) }).strict();

export const CHANNELS = ['email', 'webhook', 'slack'] as const;
export type ChannelKind = (typeof CHANNELS)[number];
/** In delivery entries, `none` records a recipient no channel could reach (no usable contact). */
const DELIVERY_CHANNELS = [...CHANNELS, 'none'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

const tag = z.string().regex(/^[0-9a-f]{32}$/, 'a keyed tag (32 hex digits)');

// Two forms (seal.ts): sealed — the body (finding id, rule, subject, alsoConcerns, score,
// reasons, entries, recipients, about) is the age-encrypted `sealed`, with keyed tags of
// the people in it and `finding` a tag of the finding id — or, in logs made before
// sealing, those fields in clear.
export const alertRaisedSchema = z
  .object({
    ...base,
    kind: z.literal('alert.raised'),
    /** The finding (or notifier event) id, or its keyed tag when sealed; an alert is raised once per finding. */
    finding: z.string().min(1).max(256),
    rule: z.string().min(1).max(128).optional(),
    subject: person.optional(),
    alsoConcerns: z.array(person).max(64).optional(),
    severity: z.enum(SEVERITIES),
    score: z.number().min(0).max(100).optional(),
    reasons: z.array(text).min(1).max(32).optional(),
    /** Log indexes of the entries that triggered it. */
    entries: z.array(index).max(1000).optional(),
    group: z.string().min(1).max(128),
    route: z.enum(ROUTE_LEVELS),
    recipients: z.array(person).max(256).optional(),
    /** base64 age file of the padded body. */
    sealed: z.string().min(1).max(60_000).optional(),
    subjectTag: tag.optional(),
    concernTags: z.array(tag).max(64).optional(),
    recipientTags: z.array(tag).max(256).optional(),
    /** Fewer than two eligible reviewers existed: the routing config needs fixing. */
    belowMinimum: z.boolean().optional(),
    /** Index of the `alert.suppressed` entry that silenced it (logged, not delivered). */
    suppressedBy: index.optional(),
    /** For delivery-failure alerts: the alert whose delivery failed. */
    about: index.optional(),
  })
  .strict()
  .refine(
    (e) =>
      e.sealed !== undefined
        ? e.subjectTag !== undefined && e.concernTags !== undefined && e.recipientTags !== undefined && [e.rule, e.subject, e.alsoConcerns, e.score, e.reasons, e.entries, e.recipients, e.about].every((x) => x === undefined)
        : [e.rule, e.subject, e.alsoConcerns, e.score, e.reasons, e.entries, e.recipients].every((x) => x !== undefined),
    'an alert.raised is either sealed (sealed + tags, nothing about people in clear) or in clear (rule, subject, alsoConcerns, score, reasons, entries, recipients)',
  );

/** An alert.raised in the clear form (what the book folds; sealed ones are opened first). */
export type ClearAlertRaised = z.infer<typeof alertRaisedSchema> & { rule: string; subject: string; alsoConcerns: string[]; score: number; reasons: string[]; entries: number[]; recipients: string[] };

// Reviews: each signed by its reviewer (review.ts); replay counts only those signed by the key registered for `by`.
export const alertAckSchema = z.object({ ...base, kind: z.literal('alert.ack'), alert: index, by: person, note: text.optional(), signature }).strict();

export const alertCommentSchema = z.object({ ...base, kind: z.literal('alert.comment'), alert: index, by: person, text: text.min(1), signature }).strict();

/** One reviewer's close; high-severity alerts close on the second distinct reviewer's entry. */
export const alertClosedSchema = z
  .object({ ...base, kind: z.literal('alert.closed'), alert: index, by: person, resolution: text.optional(), signature })
  .strict();

/** A reviewer asks for the alert to reach the next routing level now; the service answers with `alert.escalated`. */
export const alertEscalateSchema = z.object({ ...base, kind: z.literal('alert.escalate'), alert: index, by: person, note: text.optional(), signature }).strict();

export const alertEscalatedSchema = z
  .object({
    ...base,
    kind: z.literal('alert.escalated'),
    alert: index,
    route: z.enum(ROUTE_LEVELS),
    group: z.string().min(1).max(128),
    /** Reviewers added at this level (may be empty: then everyone already had it and was reminded). */
    added: z.array(person).max(256),
    /** `unacknowledged`: the service's timer; `requested`: a reviewer's signed `alert.escalate` at index `request`. */
    reason: z.enum(['unacknowledged', 'requested']),
    request: index.optional(),
    belowMinimum: z.boolean().optional(),
  })
  .strict();

export const alertSuppressedSchema = z
  .object({
    ...base,
    kind: z.literal('alert.suppressed'),
    match: z.object({ subject: person.optional(), rule: z.string().min(1).max(128).optional() }).strict(),
    until: timeSchema,
    by: person,
    reason: text.min(1),
    signature,
  })
  .strict();

export const alertDeliverySchema = z
  .object({
    ...base,
    kind: z.literal('alert.delivery'),
    alert: index,
    recipient: person,
    channel: z.enum(DELIVERY_CHANNELS),
    status: z.enum(['delivered', 'failed']),
    attempts: z.number().int().min(1),
    error: text.optional(),
  })
  .strict();

/** Schemas by kind, registered with the ledger's entry registry when this module loads. */
export const ALERT_ENTRY_SCHEMAS = {
  'alert.raised': alertRaisedSchema,
  'alert.ack': alertAckSchema,
  'alert.comment': alertCommentSchema,
  'alert.closed': alertClosedSchema,
  'alert.escalate': alertEscalateSchema,
  'alert.escalated': alertEscalatedSchema,
  'alert.suppressed': alertSuppressedSchema,
  'alert.delivery': alertDeliverySchema,
} as const;
for (const [kind, schema] of Object.entries(ALERT_ENTRY_SCHEMAS)) registerEntryKind(kind, schema);

export type AlertRaised = z.infer<typeof alertRaisedSchema>;
export type AlertAck = z.infer<typeof alertAckSchema>;
export type AlertClosed = z.infer<typeof alertClosedSchema>;
export type AlertComment = z.infer<typeof alertCommentSchema>;
export type AlertEscalate = z.infer<typeof alertEscalateSchema>;
export type AlertEscalated = z.infer<typeof alertEscalatedSchema>;
export type AlertSuppressed = z.infer<typeof alertSuppressedSchema>;
export type AlertDelivery = z.infer<typeof alertDeliverySchema>;
export type AlertEntry = AlertRaised | AlertAck | AlertComment | AlertClosed | AlertEscalate | AlertEscalated | AlertSuppressed | AlertDelivery;

/** Parses an entry read from the log; non-alert or malformed entries give undefined (the ledger validated them already). */
export function asAlertEntry(entry: unknown): AlertEntry | undefined {
  const kind = (entry as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !(kind in ALERT_ENTRY_SCHEMAS)) return undefined;
  const r = ALERT_ENTRY_SCHEMAS[kind as keyof typeof ALERT_ENTRY_SCHEMAS].safeParse(entry);
  return r.success ? (r.data as AlertEntry) : undefined;
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

// `outcome`: how an access (by its log index) ended, appended after it ran.

import { z } from 'zod';
import { baseEntryShape, index, nonEmpty, timeSchema } from './common.js';

/** How a statement ended: the fields of an `outcome` entry, and of an `access` entry's own `outcome` (access.ts). */
export const statementOutcomeShape = {
  status: z.enum(['ok', 'error']),
  rows: z.number().int().nonnegative().optional(),
  /** PostgreSQL SQLSTATE (5 characters). */
  sqlstate: z.string().regex(/^[0-9A-Z]{5}$/).optional(),
  /** CommandComplete tag, e.g. "SELECT 3". */
  command: z.string().optional(),
  durationMs: z.number().nonnegative(),
};

export const outcomeSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('outcome'),
  /** Log index of the `access` entry this completes. */
  access: index,
  session: z.union([nonEmpty, z.number().int().nonnegative()]).optional(),
  ...statementOutcomeShape,
});

export type OutcomeEntry = z.infer<typeof outcomeSchema>;

/** How many sessions and access indexes an `outcome.lost` entry lists at most. */
export const MAX_LOST_LISTED = 1000;

/**
 * `outcome.lost`: outcome entries the proxy could not append for longer than it
 * could hold them (a full disk), recorded once the log writes again, so that a
 * missing outcome is explained rather than silent.
 */
export const outcomeLostSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('outcome.lost'),
  /** How many outcome entries were given up. */
  count: z.number().int().positive(),
  /** When the first of them was given up. */
  since: timeSchema,
  /** Their sessions and access indexes (the first MAX_LOST_LISTED of each). */
  sessions: z.array(z.string()).max(MAX_LOST_LISTED),
  access: z.array(index).max(MAX_LOST_LISTED),
  /** Set when `count` exceeds the indexes listed. */
  truncated: z.literal(true).optional(),
  reason: z.string(),
});

export type OutcomeLostEntry = z.infer<typeof outcomeLostSchema>;

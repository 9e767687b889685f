// `outcome`: how an access (by its log index) ended, appended after it ran.

import { z } from 'zod';
import { baseEntryShape, index, nonEmpty } from './common.js';

export const outcomeSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('outcome'),
  /** Log index of the `access` entry this completes. */
  access: index,
  session: z.union([nonEmpty, z.number().int().nonnegative()]).optional(),
  status: z.enum(['ok', 'error']),
  rows: z.number().int().nonnegative().optional(),
  /** PostgreSQL SQLSTATE (5 characters). */
  sqlstate: z.string().regex(/^[0-9A-Z]{5}$/).optional(),
  /** CommandComplete tag, e.g. "SELECT 3". */
  command: z.string().optional(),
  durationMs: z.number().nonnegative(),
});

export type OutcomeEntry = z.infer<typeof outcomeSchema>;

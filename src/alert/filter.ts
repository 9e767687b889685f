// The alert list filter as it arrives from outside (HTTP query, CLI options):
// validated and normalised (times to RFC 3339 UTC) before it reaches the book.
import { z } from 'zod';
import { SEVERITIES } from '../detect/finding.js';
import { ALERT_STATES, type AlertFilter } from './book.js';
import { parseOrThrow } from './invalid-field.js';

const time = z.string().datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const alertFilterSchema = z
  .object({ subject: z.string().min(1).max(256).optional(), severity: z.enum(SEVERITIES).optional(), state: z.enum(ALERT_STATES).optional(), since: time.optional(), until: time.optional() })
  .strict();

/** Throws INVALID_FIELD naming the bad filter field. Undefined values are dropped. */
export function parseAlertFilter(input: Record<string, unknown>): AlertFilter {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const f = parseOrThrow(alertFilterSchema, defined);
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as AlertFilter;
}

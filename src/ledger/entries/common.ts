// Fields shared by every log entry (docs/dev/contracts.md "Entries"): schema
// version `v` (1), `kind`, and `time` as RFC 3339 UTC with milliseconds
// (what Date.prototype.toISOString produces), plus small reusable field types.

import { z } from 'zod';

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** RFC 3339 UTC with milliseconds, and a real calendar instant (no Feb 30). */
export const timeSchema = z
  .string()
  .regex(TIME_RE, 'must be RFC 3339 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z')
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, 'is not a valid date and time');

/** Entry time for `date` (default now), in the one format entries use. */
export function entryTime(date: Date = new Date()): string {
  return date.toISOString();
}

/** Lowercase hex SHA-256 / HMAC-SHA256 digest. */
export const hex256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const KIND_RE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** The base every entry schema extends. `kind` is narrowed to a literal by each kind. */
export const baseEntryShape = {
  v: z.literal(1),
  kind: z.string().regex(KIND_RE),
  time: timeSchema,
};

export const nonEmpty = z.string().min(1);
export const index = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

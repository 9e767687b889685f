// The application capture API's request body (docs/alert.md "Application
// capture API") and its translation into an `access` entry with the same schema
// the PostgreSQL proxy writes (contracts.md "Entries"), so detection and reports
// treat "agent viewed customer 42" exactly like a SELECT through the proxy.
// The body is attacker-controlled: strict schema, bounded sizes, and every
// rejection names the offending field.
import { z } from 'zod';
import { parseOrThrow } from '../../ledger/invalid-field.js';
import { IlogError } from '../../ledger/errors.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const accessRequestSchema = z
  .object({
    /** The person who accessed the data (the app's end user, e.g. the support agent). */
    actor: text(256),
    /** A lowercase verb: view, export, search, update, delete, … */
    action: z.string().regex(/^[a-z][a-z0-9_.-]{0,31}$/, 'a lowercase verb such as view, export, update'),
    resource: z
      .object({
        type: text(64),
        id: text(256).optional(),
        ids: z.array(text(256)).min(1).max(500).optional(),
      })
      .strict()
      .refine((r) => (r.id === undefined) !== (r.ids === undefined), { message: 'give exactly one of id or ids', path: ['id'] }),
    purpose: text(1000).optional(),
    rows: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** When the access happened (RFC 3339); defaults to when the API received it. */
    time: z.string().max(40).optional(),
    role: text(128).optional(),
    session: text(128).optional(),
    client: z.object({ address: text(64).optional(), application: text(128).optional() }).strict().optional(),
  })
  .strict();

export type AccessRequest = z.infer<typeof accessRequestSchema>;

export interface AccessEntryOptions {
  /** Application name (token owner): the entry's source is `app:<name>`. */
  app: string;
  nowMs: number;
  /** How far a reported time may lie in the future (clock skew) and in the past (late reporting). */
  maxFutureMs?: number;
  maxPastMs?: number;
  /** The app may backfill history: an older time is kept as `accessedAt`, the entry's `time` is now. */
  backfill?: boolean;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/** Validates a request body and builds the `access` entry; throws IlogError('INVALID_FIELD', …, {field}). */
export function accessEntryFromRequest(body: unknown, o: AccessEntryOptions): Record<string, unknown> {
  const r = parseOrThrow(accessRequestSchema, body);
  const { time, accessedAt } = accessTime(r.time, o);
  return {
    v: 1,
    kind: 'access',
    time,
    ...(accessedAt !== undefined ? { accessedAt } : {}),
    source: `app:${o.app}`,
    person: r.actor,
    action: r.action,
    resource: { type: r.resource.type, ids: r.resource.ids ?? [r.resource.id!] },
    ...(r.purpose !== undefined ? { purpose: r.purpose } : {}),
    ...(r.rows !== undefined ? { rows: r.rows } : {}),
    ...(r.role !== undefined ? { role: r.role } : {}),
    ...(r.session !== undefined ? { session: r.session } : {}),
    ...(r.client !== undefined ? { client: r.client } : {}),
  };
}

let lastMs = NaN;
let lastIso = '';
/** new Date(ms).toISOString(), remembered: a batch's accesses share one `now`. */
function isoTime(ms: number): string {
  if (ms !== lastMs) (lastIso = new Date(ms).toISOString()), (lastMs = ms);
  return lastIso;
}

/**
 * A reported time is accepted within a window around now, so an app cannot backdate or postdate
 * accesses freely. An app with the backfill permission may report older accesses: the entry is
 * then dated when it is logged and the original time is a separate field, so the log stays honest.
 */
export function accessTime(reported: string | undefined, o: AccessEntryOptions): { time: string; accessedAt?: string } {
  const now = isoTime(o.nowMs);
  if (reported === undefined) return { time: now };
  const ms = RFC3339.test(reported) ? Date.parse(reported) : NaN;
  if (!Number.isFinite(ms)) throw new IlogError('INVALID_FIELD', 'time must be RFC 3339, e.g. 2026-01-31T09:15:00.000Z', { field: 'time' });
  const future = ms > o.nowMs + (o.maxFutureMs ?? 5 * 60_000);
  const past = ms < o.nowMs - (o.maxPastMs ?? 24 * 3600_000);
  if (past && o.backfill && !future) return { time: now, accessedAt: new Date(ms).toISOString() };
  if (future || past) {
    throw new IlogError('INVALID_FIELD', 'time is too far from now (more than 5 minutes ahead or 24 hours behind); report accesses as they happen, or import history with `ilog import` or a token with the backfill permission', { field: 'time' });
  }
  return { time: new Date(ms).toISOString() };
}

// The application capture API's request body (docs/alert.md "Application
// capture API") and its translation into an `access` entry with the same schema
// the PostgreSQL proxy writes (contracts.md "Entries"), so detection and reports
// treat "agent viewed customer 42" exactly like a SELECT through the proxy.
// The body is attacker-controlled: strict schema, bounded sizes, and every
// rejection names the offending field.
import { z } from 'zod';
import { parseOrThrow } from '../../alert/invalid-field.js';
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
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

/** Validates a request body and builds the `access` entry; throws IlogError('INVALID_FIELD', …, {field}). */
export function accessEntryFromRequest(body: unknown, o: AccessEntryOptions): Record<string, unknown> {
  const r = parseOrThrow(accessRequestSchema, body);
  return {
    v: 1,
    kind: 'access',
    time: accessTime(r.time, o),
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

/** A reported time is accepted within a window around now, so an app cannot backdate or postdate accesses freely. */
function accessTime(reported: string | undefined, o: AccessEntryOptions): string {
  if (reported === undefined) return new Date(o.nowMs).toISOString();
  const ms = RFC3339.test(reported) ? Date.parse(reported) : NaN;
  if (!Number.isFinite(ms)) throw new IlogError('INVALID_FIELD', 'time must be RFC 3339, e.g. 2026-01-31T09:15:00.000Z', { field: 'time' });
  if (ms > o.nowMs + (o.maxFutureMs ?? 5 * 60_000) || ms < o.nowMs - (o.maxPastMs ?? 24 * 3600_000)) {
    throw new IlogError('INVALID_FIELD', 'time is too far from now (more than 5 minutes ahead or 24 hours behind); report accesses as they happen', { field: 'time' });
  }
  return new Date(ms).toISOString();
}

// The alert list filter as it arrives from outside (HTTP query, CLI options):
// validated and normalised (times to RFC 3339 UTC) before it reaches the book.
import { z } from 'zod';
import { SEVERITIES } from '../detect/finding.js';
import { ALERT_STATES, type AlertFilter } from './book.js';
import { parseOrThrow } from '../ledger/invalid-field.js';

const time = z.string().datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const alertFilterSchema = z
  .object({ subject: z.string().min(1).max(256).optional(), severity: z.enum(SEVERITIES).optional(), state: z.enum(ALERT_STATES).optional(), since: time.optional(), until: time.optional() })
  .strict();

const count = (max: number) => z.coerce.number().int().min(0).max(max);

/** GET /v1/alerts: the filter plus paging and order (`sort=risk` is highest score first). */
export const alertPageSchema = alertFilterSchema
  .extend({
    rule: z.string().min(1).max(128).optional(),
    minScore: z.coerce.number().min(0).max(100).optional(),
    sort: z.enum(['risk', 'time', 'id']).default('risk'),
    limit: count(1000).default(100),
    offset: count(10_000_000).default(0),
  })
  .strict();

export type AlertPage = z.output<typeof alertPageSchema>;

export function parseAlertPage(input: Record<string, unknown>): AlertPage {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return parseOrThrow(alertPageSchema, defined);
}

/** Order, filter by rule and score, and cut one page; `total` counts every match. */
export function pageAlerts<T extends { id: number; score: number; time: string; rule: string }>(all: T[], q: AlertPage): { items: T[]; total: number; next?: number } {
  const matching = all.filter((a) => (q.rule === undefined || a.rule === q.rule) && (q.minScore === undefined || a.score >= q.minScore));
  const order = {
    risk: (a: T, b: T) => b.score - a.score || b.id - a.id,
    time: (a: T, b: T) => (a.time < b.time ? 1 : a.time > b.time ? -1 : b.id - a.id),
    id: (a: T, b: T) => a.id - b.id,
  }[q.sort];
  matching.sort(order);
  const items = matching.slice(q.offset, q.offset + q.limit);
  const end = q.offset + items.length;
  return { items, total: matching.length, ...(end < matching.length ? { next: end } : {}) };
}

/** Throws INVALID_FIELD naming the bad filter field. Undefined values are dropped. */
export function parseAlertFilter(input: Record<string, unknown>): AlertFilter {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const f = parseOrThrow(alertFilterSchema, defined);
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as AlertFilter;
}

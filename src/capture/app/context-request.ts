// POST /v1/context bodies and `context.update` entries: what the organisation already knows, recorded in the
// log like everything else that carries authority (a relationship explains an
// access away, so it must be attributable and replayable, never a side file):
// - people: the directory (person → role, department, team, manager, shift);
// - relationships: person (or team) ↔ data subject, bounded in time (care-team
//   assignment, admission, appointment, case ownership, account manager);
// - resources: which subject a resource belongs to (chart, lab result, invoice);
// - subjects: which subjects are employees, their relatives, or otherwise sensitive.
// Applications send them through POST /v1/context, operators through
// `ilog import --context`; both validate with this schema before appending.
import { z } from 'zod';
import { parseOrThrow } from '../../ledger/invalid-field.js';

const name = z.string().trim().min(1).max(256);
const instant = z.string().max(40).refine((s) => Number.isFinite(Date.parse(s)), 'must be an RFC 3339 time');

export const directoryItemSchema = z
  .object({
    person: name,
    role: name.optional(),
    department: name.optional(),
    team: name.optional(),
    manager: name.optional(),
    /** Free-form shift pattern (e.g. "night", "07-15"): shown to reviewers, not interpreted. */
    shift: z.string().max(64).optional(),
  })
  .strict();

export const relationshipItemSchema = z
  .object({
    /** A person, or a whole team, related to the subject. */
    person: name.optional(),
    team: name.optional(),
    subject: name,
    /** care-team, admission, appointment, case-owner, account-manager, … */
    kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,47}$/, 'a lowercase word such as care-team or appointment'),
    from: instant.optional(),
    to: instant.optional(),
  })
  .strict()
  .refine((r) => (r.person === undefined) !== (r.team === undefined), { message: 'give exactly one of person or team', path: ['person'] });

export const resourceItemSchema = z.object({ resource: name, subject: name }).strict();

export const subjectItemSchema = z
  .object({
    subject: name,
    /** The employee the subject is, or is a relative of; absent for other sensitive subjects (a VIP). */
    employee: name.optional(),
    relation: z.enum(['self', 'relative', 'vip']),
    label: z.string().max(128).optional(),
  })
  .strict();

/** The body of a context update (API request or one line of an import file). At most 500 items a list keeps an entry well below 64 KiB. */
export const contextUpdateSchema = z
  .object({
    people: z.array(directoryItemSchema).max(500).optional(),
    relationships: z.array(relationshipItemSchema).max(500).optional(),
    resources: z.array(resourceItemSchema).max(500).optional(),
    subjects: z.array(subjectItemSchema).max(500).optional(),
  })
  .strict()
  .refine((u) => (u.people?.length ?? 0) + (u.relationships?.length ?? 0) + (u.resources?.length ?? 0) + (u.subjects?.length ?? 0) > 0, {
    message: 'give at least one of people, relationships, resources, subjects',
    path: ['people'],
  });

export type ContextUpdate = z.infer<typeof contextUpdateSchema>;

/** Validate a context update (IlogError INVALID_FIELD naming the field) and build its log entry. */
export function contextEntry(body: unknown, source: string, nowMs: number): Record<string, unknown> {
  const u = parseOrThrow(contextUpdateSchema, body);
  return { v: 1, kind: 'context.update', time: new Date(nowMs).toISOString(), source, ...u };
}

// Which zod schema validates which entry kind. Exact kinds win over families
// ("alert.*"); a kind matching neither is rejected. Registration is explicit
// (call registerEntryKind from your area's entries module at import time) and
// refuses to silently replace an exact kind that is already registered.

import type { z } from 'zod';
import { IlogError } from '../errors.js';
import { accessSchema } from './access.js';
import { accessObjectsSchema } from './access-objects.js';
import { bypassDetectedSchema } from './bypass.js';
import { KIND_RE } from './common.js';
import { ENTRY_FAMILIES, familyEntrySchema } from './families.js';
import { genesisSchema } from './genesis.js';
import { outcomeLostSchema, outcomeSchema } from './outcome.js';
import { storageMigratedSchema } from './storage-migrated.js';

export type EntrySchema = z.ZodType<Record<string, unknown>>;

const exact = new Map<string, EntrySchema>([
  ['genesis', genesisSchema as EntrySchema],
  ['access', accessSchema as EntrySchema],
  ['outcome', outcomeSchema as EntrySchema],
  ['outcome.lost', outcomeLostSchema as EntrySchema],
  // The reconciler's kinds live here so that every process decodes them strictly (no import needed).
  ['bypass.detected', bypassDetectedSchema as EntrySchema],
  ['access.objects', accessObjectsSchema as EntrySchema],
  ['storage.migrated', storageMigratedSchema as EntrySchema],
]);
const families = new Map<string, EntrySchema>(ENTRY_FAMILIES.map((f) => [f, familyEntrySchema as EntrySchema]));

/**
 * Register the schema for `kind` ("lock.set"), or for a family ("lock.*": every
 * kind "lock.<x>" without an exact schema). The schema must check `v`, `kind` and
 * `time` too: extend `baseEntryShape` from entries/common.ts. Re-registering an
 * exact kind needs `{ replace: true }` (e.g. governance extending `genesis`).
 */
export function registerEntryKind(kind: string, schema: z.ZodType, opts: { replace?: boolean } = {}): void {
  const family = kind.endsWith('.*') ? kind.slice(0, -2) : undefined;
  const name = family ?? kind;
  if (!KIND_RE.test(name)) throw new IlogError('BAD_ENTRY_KIND', 'entry kinds are lowercase dotted words', { kind });
  if (family !== undefined) {
    families.set(family, schema as EntrySchema);
    return;
  }
  const existing = exact.get(kind);
  if (existing && existing !== schema && !opts.replace) {
    throw new IlogError('ENTRY_KIND_EXISTS', 'this entry kind already has a schema; pass { replace: true } to extend it', { kind });
  }
  exact.set(kind, schema as EntrySchema);
}

/** The schema for `kind`, or undefined if the kind is unknown. */
export function entrySchemaFor(kind: string): EntrySchema | undefined {
  const e = exact.get(kind);
  if (e) return e;
  const dot = kind.indexOf('.');
  return dot > 0 ? families.get(kind.slice(0, dot)) : undefined;
}

/** Exact kinds and families currently registered (for docs and diagnostics). */
export function registeredEntryKinds(): string[] {
  return [...exact.keys(), ...[...families.keys()].map((f) => `${f}.*`)].sort();
}

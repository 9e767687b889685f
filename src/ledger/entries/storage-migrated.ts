// `storage.migrated`: a schema migration of the log's store, written by
// `ilog migrate` in the same transaction as the migration itself, naming the
// quorum-approved `storage.migrate` proposal that allowed it (its log index)
// and the ilog code that ran it. Governance replay refuses one whose approval
// does not match (docs/storage.md "Upgrades"); the write API refuses it always.

import { z } from 'zod';
import { baseEntryShape, hex256Schema, index } from './common.js';

export const storageMigratedSchema = z.strictObject({
  ...baseEntryShape,
  kind: z.literal('storage.migrated'),
  store: z.enum(['sqlite', 'postgres']),
  from: z.number().int().min(1).max(1000),
  to: z.number().int().min(2).max(1000),
  /** Log index of the proposal whose `storage.migrate` change allowed it. */
  approval: index,
  /** The ilog that ran it: package version and the code hash of `node.started`. */
  version: z.string().min(1).max(64),
  code: z.strictObject({ tree: z.string().min(1).max(16), files: z.number().int().nonnegative(), sha256: hex256Schema }),
});

export type StorageMigratedEntry = z.infer<typeof storageMigratedSchema>;

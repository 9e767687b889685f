// Schema migrations of the log's store under the quorum (docs/storage.md
// "Upgrades"). ilog is upgraded like any schema: a new ilog opens an older
// `log.db` for reading and for the governance commands, but `serve` and `proxy`
// refuse to run on it (STORAGE_MIGRATION_REQUIRED) until `ilog migrate` has
// moved it, and `ilog migrate` runs only the step an applied `storage.migrate`
// proposal names — read from the policy the signed tree proves, never from a
// file. The migration and its `storage.migrated` record commit in one
// transaction, and a checkpoint is signed over the record.
import { encodeEntry } from '../ledger/entry.js';
import { IlogError } from '../ledger/errors.js';
import type { StorageMigratedEntry } from '../ledger/entries/storage-migrated.js';
import { codeHash, ilogVersion } from '../log/node-started.js';
import { SCHEMA_VERSION } from '../storage/sqlite/schema.js';
import { SqliteLogStorage } from '../storage/sqlite/sqlite-storage.js';
import { formatTime } from './schema-parts.js';
import { loadPolicyMachine } from './target.js';

export type MigrationResult =
  | { status: 'current'; store: 'sqlite'; version: number }
  | { status: 'migrated'; store: 'sqlite'; from: number; to: number; approval: number; index: number; checkpointSize: number };

/** Moves `<dir>/log.db` to this ilog's schema if, and only if, the quorum approved exactly that step. */
export async function migrateSqlite(dir: string, now = new Date()): Promise<MigrationResult> {
  const storage = SqliteLogStorage.open(dir);
  let index: number;
  let entry: StorageMigratedEntry;
  try {
    const from = storage.schemaVersion;
    if (from === SCHEMA_VERSION) return { status: 'current', store: 'sqlite', version: from };
    const { policy } = await loadPolicyMachine({ dir });
    const approved = policy.storageMigrations.get('sqlite');
    const used = approved !== undefined && policy.storageMigrated.some((m) => m.store === 'sqlite' && m.approval === approved.madeBy.index);
    if (!approved || approved.value.from !== from || approved.value.to !== SCHEMA_VERSION || used) {
      throw new IlogError(
        'MIGRATION_NOT_APPROVED',
        `no applied proposal migrates this log.db from schema ${from} to ${SCHEMA_VERSION}` +
          (approved ? ` (the last one approved, at entry ${approved.madeBy.index}, names ${approved.value.from} → ${approved.value.to}${used ? ' and was used' : ''})` : '') +
          `: ilog propose storage.migrate sqlite ${from} ${SCHEMA_VERSION} --key <admin key>, then the approvals it needs`,
        { from, to: SCHEMA_VERSION, ...(approved ? { approved: approved.value, approval: approved.madeBy.index } : {}) },
      );
    }
    entry = { v: 1, kind: 'storage.migrated', time: formatTime(now.getTime()), store: 'sqlite', from, to: SCHEMA_VERSION, approval: approved.madeBy.index, version: ilogVersion(), code: codeHash() };
    index = storage.migrateSchema(encodeEntry(entry), approved.madeBy.index);
  } finally {
    storage.close();
  }
  // Signed now, so that every replay (which trusts only what a signed checkpoint proves) sees the record.
  const { Appender } = await import('../log/appender.js');
  const appender = await Appender.open(dir, { writerThread: false });
  try {
    const { parseCheckpoint } = await import('../ledger/checkpoint.js');
    const { parseNote } = await import('../ledger/note.js');
    const note = await appender.checkpoint();
    return { status: 'migrated', store: 'sqlite', from: entry.from, to: entry.to, approval: entry.approval, index, checkpointSize: parseCheckpoint(parseNote(note).text).size };
  } finally {
    await appender.close();
  }
}

// `ilog migrate`: moves the log's store to the schema this ilog runs on, only
// under a quorum-approved `storage.migrate` proposal (src/governance/migration.ts).
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';

export function register(program: Command): void {
  withCommonOptions(program.command('migrate').description("move log.db to this ilog's schema version (needs an applied storage.migrate proposal)")).action(
    action<GlobalOptions, []>(async (opts) => {
      const { openLogStore, storeUrl } = await import('../storage/open-storage.js');
      if (storeUrl() !== undefined) {
        // One schema version so far: opening checks it (STORAGE_VERSION otherwise).
        const { PG_SCHEMA_VERSION } = await import('../storage/postgres/schema.js');
        await (await openLogStore(opts.dir)).close();
        printResult(opts.json, { status: 'current', store: 'postgres', version: PG_SCHEMA_VERSION }, `the PostgreSQL store is at schema version ${PG_SCHEMA_VERSION}, the one this ilog runs on: nothing to migrate`);
        return;
      }
      const { migrateSqlite } = await import('../governance/migration.js');
      const r = await migrateSqlite(opts.dir);
      printResult(
        opts.json,
        { ...r },
        r.status === 'current'
          ? `log.db is at schema version ${r.version}, the one this ilog runs on: nothing to migrate`
          : `log.db migrated from schema ${r.from} to ${r.to} under the proposal applied at entry ${r.approval}; recorded as entry ${r.index}, signed in checkpoint ${r.checkpointSize}`,
      );
    }),
  );
}

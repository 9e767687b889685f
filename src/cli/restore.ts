// `ilog restore`: rebuild a lost or damaged log.db from a mirror, proving it is
// the same log (same key and origin, consistent with a trusted checkpoint).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { note, printResult, type GlobalOptions } from './output.js';

interface RestoreCliOptions extends GlobalOptions {
  from: string;
  checkpoint?: string;
  force?: boolean;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('restore')
      .description("rebuild the log's storage from a mirror (URL, tiles directory or SQLite mirror directory) and verify it")
      .requiredOption('--from <url|dir>', 'the mirror to restore from')
      .option('--checkpoint <file>', 'a checkpoint the log published or a witness cosigned: the mirror must contain it')
      .option('--force', 'replace a log.db that still looks healthy (it is moved aside)'),
  ).action(
    action<RestoreCliOptions, []>(async (opts) => {
      const { restoreLog } = await import('../witness/restore.js');
      const r = await restoreLog({
        from: opts.from,
        dir: opts.dir,
        ...(opts.checkpoint ? { knownCheckpoint: readFileSync(opts.checkpoint, 'utf8') } : {}),
        ...(opts.force ? { force: true } : {}),
        onProgress: (size, target) => note(opts.json, `ilog: restored ${size}/${target} entries`),
      });
      printResult(
        opts.json,
        { size: r.size, ...(r.movedAside ? { movedAside: r.movedAside } : {}) },
        `ilog: restored ${r.size} entries from ${opts.from}, verified against the log key${r.movedAside ? `; the damaged database was moved to ${r.movedAside}` : ''}`,
      );
    }),
  );
}

// `ilog tail [-n N] [--follow]`: the last entries of the local log, one line
// each (src/cli/tail-format.ts). With --json: one document {"ok":true,"entries":
// [{index, entry}]}; with --json --follow, one {index, entry} JSON line per
// entry as it arrives (a stream cannot be a single document).
import type { Command } from 'commander';
import { action, parseCount, withCommonOptions } from './common.js';
import { printResult, type GlobalOptions } from './output.js';
import type { LogStorage } from '../storage/log-storage.js';

interface TailOptions extends GlobalOptions {
  lines: number;
  follow?: boolean;
}

const parseJson = (b: Uint8Array): unknown => {
  try {
    return JSON.parse(Buffer.from(b).toString('utf8'));
  } catch {
    return null;
  }
};

/**
 * Entries [from, size) of `storage`, read in pages: readEntries returns at most
 * 65,536 entries per call, and a single call for a larger N used to drop the newest.
 */
export function readRange(storage: Pick<LogStorage, 'readEntries'>, from: number, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = from; at < size; ) {
    const page = storage.readEntries(at, size);
    if (page.length === 0) break; // the storage stopped short: never loop forever
    for (const b of page) out.push(b);
    at += page.length;
  }
  return out;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('tail')
      .description('show the last entries of the log (and, with --follow, new ones as they are appended)')
      .option('-n, --lines <n>', 'how many entries', parseCount, 20)
      .option('-f, --follow', 'keep printing new entries until Ctrl-C'),
  ).action(
    action<TailOptions, []>(async (opts) => {
      const { openReadOnly } = await import('./log-open.js');
      const { formatEntry } = await import('./tail-format.js');
      const storage = await openReadOnly(opts.dir);
      try {
        const size = storage.size();
        const from = Math.max(0, size - opts.lines);
        if (!opts.follow) {
          const entries = readRange(storage, from, size);
          printResult(
            opts.json,
            { entries: entries.map((b, i) => ({ index: from + i, entry: parseJson(b) })) },
            entries.length ? entries.map((b, i) => formatEntry(from + i, b)).join('\n') : '(the log is empty)',
          );
          return;
        }
        const { Follower } = await import('../log/follower.js');
        const follower = new Follower(storage, { from, decode: false, pollMs: 100, trust: 'sequenced' });
        const stop = (): void => follower.close();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        for await (const { index, bytes } of follower) {
          process.stdout.write((opts.json ? JSON.stringify({ index, entry: parseJson(bytes) }) : formatEntry(index, bytes)) + '\n');
        }
      } finally {
        storage.close();
      }
    }),
  );
}

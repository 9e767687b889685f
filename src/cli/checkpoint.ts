// `ilog checkpoint`: the latest signed checkpoint of the log in --dir, as stored
// (the exact note, ready to save and pass to `ilog verify --checkpoint` later).
// With --sign, first integrate every entry appended so far and sign a new one
// (the log key in --dir): what a command appended with no server running.
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import { action, withCommonOptions } from './common.js';
import { withReadOnly } from './log-open.js';
import { printResult, type GlobalOptions } from './output.js';

export function register(program: Command): void {
  withCommonOptions(
    program.command('checkpoint').description('print the latest signed checkpoint').option('--sign', 'first sign a checkpoint over every entry appended so far'),
  ).action(
    action<GlobalOptions & { sign?: boolean }, []>(async (opts) => {
      if (opts.sign) {
        const { Appender } = await import('../log/appender.js');
        const appender = await Appender.open(opts.dir, { writerThread: false, olderSchema: true });
        try {
          await appender.checkpoint();
        } finally {
          await appender.close();
        }
      }
      return withReadOnly(opts.dir, async (storage) => {
        const { toBase64 } = await import('../ledger/bytes.js');
        const { parseCheckpoint } = await import('../ledger/checkpoint.js');
        const { parseNote } = await import('../ledger/note.js');
        const note = storage.latestCheckpoint();
        if (note === undefined) throw new IlogError('NO_CHECKPOINT', 'the log has no checkpoint yet; append an entry (or run `ilog serve`) first', { dir: opts.dir });
        const cp = parseCheckpoint(parseNote(note).text);
        printResult(opts.json, { checkpoint: note, origin: cp.origin, size: cp.size, root: toBase64(cp.root) }, note.replace(/\n$/, ''));
      });
    }),
  );
}

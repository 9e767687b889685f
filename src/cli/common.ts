// Helpers every subcommand uses: the shared `--dir` / `--json` options and an
// action wrapper that turns thrown errors into the documented exit codes.
import { Command, InvalidArgumentError } from 'commander';
import { IlogError } from '../ledger/errors.js';
import { readFileSync } from 'node:fs';
import { defaultDir, reportError, usageError, type GlobalOptions } from './output.js';

/** Adds `--dir` (default ./ilog-data or $ILOG_DIR) and `--json` to a command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'log data directory (env ILOG_DIR)', defaultDir())
    .option('--store <url>', "where the log's entries, tiles and checkpoints live: postgres://… (env ILOG_STORE; default <dir>/log.db)")
    .option('--json', 'machine-readable output (one JSON document on stdout)');
}

/**
 * Wraps an action: errors are printed through output.ts and set the exit code
 * (1 runtime/verification failure, 2 usage) instead of escaping as a stack trace.
 */
export function action<O extends GlobalOptions, A extends unknown[]>(
  fn: (opts: O, ...args: A) => Promise<void> | void,
): (...raw: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    // Commander passes (...positional, options, command).
    const cmd = raw[raw.length - 1] as Command;
    const opts = cmd.opts() as O;
    // Every area opens the log through storage/open-storage.ts, which reads $ILOG_STORE.
    const store = (opts as { store?: unknown }).store;
    if (typeof store === 'string') process.env.ILOG_STORE = store;
    const args = raw.slice(0, -2) as A;
    // If the event loop empties while the command is still running (a promise
    // that nothing will ever settle), Node exits with code 0 and no word: the
    // silent failed start of issue #12. Say so and exit non-zero instead.
    const unfinished = (): void => {
      process.exitCode = reportError(new IlogError('INTERNAL', `ilog ${cmd.name()} stopped before it finished (nothing left to wait for); this is a bug, please report it with the command line`), Boolean(opts.json));
    };
    process.once('exit', unfinished);
    try {
      await fn(opts, ...args);
    } catch (err) {
      process.exitCode = reportError(err, Boolean(opts.json));
    } finally {
      process.off('exit', unfinished);
    }
  };
}

/** Commander argument parser for a non-negative safe integer (tree sizes, indexes). */
export function parseCount(value: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a non-negative integer');
  }
  return Number(value);
}

/** A file the user named on the command line, as text; an unreadable one is a usage error naming it. */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw usageError(`cannot read ${what} file ${file}`, { file });
  }
}

// Helpers every subcommand uses: the shared `--dir` / `--json` options and an
// action wrapper that turns thrown errors into the documented exit codes.
import { Command, InvalidArgumentError } from 'commander';
import { defaultDir, reportError, type GlobalOptions } from './output.js';

/** Adds `--dir` (default ./ilog-data or $ILOG_DIR) and `--json` to a command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'log data directory (env ILOG_DIR)', defaultDir())
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
    const args = raw.slice(0, -2) as A;
    try {
      await fn(opts, ...args);
    } catch (err) {
      process.exitCode = reportError(err, Boolean(opts.json));
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

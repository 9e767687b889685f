// Shared CLI output: human text by default, one JSON document with --json.
// Exit codes: 0 success, 1 verification or runtime failure, 2 usage error.
import { CommanderError } from 'commander';
import { IlogError } from '../ledger/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Prints an error (JSON when asked) and returns the exit code to use. */
export function reportError(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Commander already printed its message (or the help text) to stderr/stdout.
    if (err.exitCode === 0) return 0;
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code: 'USAGE', message: err.message } }) + '\n');
    return EXIT_USAGE;
  }
  const e = err instanceof IlogError ? err : new IlogError('INTERNAL', err instanceof Error ? err.message : String(err));
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: e.toJSON() }) + '\n');
  else {
    process.stderr.write(`ilog: ${e.code}: ${e.message}\n`);
    if (e.evidence) for (const [k, v] of Object.entries(e.evidence)) process.stderr.write(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
  }
  return e.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILURE;
}

/** A usage error (exit code 2): the command line itself is wrong. */
export function usageError(message: string, evidence?: Record<string, unknown>): IlogError {
  return new IlogError('USAGE', message, evidence);
}

/**
 * Prints a command's result: with --json one line `{"ok":true,...data}` on stdout,
 * otherwise the human text (a trailing newline is added when missing).
 */
export function printResult(json: boolean | undefined, data: Record<string, unknown>, human: string): void {
  if (json) process.stdout.write(JSON.stringify({ ok: true, ...data }) + '\n');
  else if (human !== '') process.stdout.write(human.endsWith('\n') ? human : human + '\n');
}

/** Informational line for humans (stderr, so that stdout stays clean for pipes and --json). */
export function note(json: boolean | undefined, text: string): void {
  if (!json) process.stderr.write(text + '\n');
}

/** Common options every command takes. */
export interface GlobalOptions {
  dir: string;
  json?: boolean;
}

export function defaultDir(): string {
  return process.env.ILOG_DIR || './ilog-data';
}

// Shared CLI output: human text by default, one JSON document with --json.
import { IlogError } from '../ledger/errors.js';

/** Prints an error (JSON when asked) and returns the exit code to use. */
export function reportError(err: unknown, json: boolean): number {
  const e = err instanceof IlogError ? err : new IlogError('INTERNAL', err instanceof Error ? err.message : String(err));
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: e.toJSON() }) + '\n');
  else {
    process.stderr.write(`ilog: ${e.code}: ${e.message}\n`);
    if (e.evidence) for (const [k, v] of Object.entries(e.evidence)) process.stderr.write(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
  }
  return e.code === 'USAGE' ? 2 : 1;
}

/** Common options every command takes. */
export interface GlobalOptions {
  dir: string;
  json?: boolean;
}

export function defaultDir(): string {
  return process.env.ILOG_DIR || './ilog-data';
}

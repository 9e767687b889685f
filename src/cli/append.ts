// `ilog append [file]`: append JSON lines (one entry per line) from a file or
// stdin, straight into the log in --dir or to a running service (--url, --token).
// The log is immutable, so the whole input is validated first: one bad line
// appends nothing (a half-appended file could not be retried without duplicates).
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';
import type { Progress } from './progress.js';

interface AppendOptions extends GlobalOptions {
  url?: string;
  token?: string;
}

const CHUNK = 4096;
const IN_FLIGHT = 4;
const MAX_PUSHBACK_RETRIES = 20;

/** Reads and validates every line; throws INVALID_ENTRY etc. with the 1-based line number. */
async function readEntries(file: string | undefined): Promise<Uint8Array[]> {
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  const { encodeEntry } = await import('../ledger/entry.js');
  const { writeTokenRefusal } = await import('../ledger/entries/authority.js');
  const out: Uint8Array[] = [];
  let n = 0;
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (raw.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      throw new IlogError('BAD_JSON', `line ${n} is not valid JSON; nothing was appended`, { line: n });
    }
    const refusal = writeTokenRefusal((obj ?? {}) as { kind?: unknown; source?: unknown });
    if (refusal !== undefined) throw new IlogError('KIND_NOT_ALLOWED', `line ${n}: ${refusal}; nothing was appended`, { line: n, field: 'kind' });
    try {
      out.push(encodeEntry(obj));
    } catch (err) {
      if (err instanceof IlogError) throw new IlogError(err.code, `line ${n}: ${err.message}; nothing was appended`, { ...err.evidence, line: n });
      throw err;
    }
  }
  return out;
}

interface Appended {
  first: number;
  last: number;
}

export async function appendLocal(dir: string, entries: Uint8Array[], progress: Progress): Promise<Appended & { checkpointSize: number }> {
  const { Appender } = await import('../log/appender.js');
  const appender = await Appender.open(dir);
  let first = -1;
  let last = -1;
  let done = 0;
  try {
    // A few chunks in flight keep the group commit busy; the sequencer keeps their order.
    for (let i = 0; i < entries.length; i += CHUNK * IN_FLIGHT) {
      const chunks: Promise<number[]>[] = [];
      for (let j = i; j < Math.min(entries.length, i + CHUNK * IN_FLIGHT); j += CHUNK) chunks.push(appender.appendMany(entries.slice(j, j + CHUNK)));
      for (const indexes of await Promise.all(chunks)) {
        if (first < 0) first = indexes[0]!;
        last = indexes[indexes.length - 1]!;
        done += indexes.length;
        progress.update(done);
      }
    }
  } finally {
    await appender.close(); // integrates and signs a checkpoint covering what was appended
  }
  return { first, last, checkpointSize: appender.stats().checkpointSize };
}

function tokenFor(opts: AppendOptions): string | undefined {
  if (opts.token) return opts.token;
  if (process.env.ILOG_TOKEN) return process.env.ILOG_TOKEN;
  const file = join(opts.dir, 'token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

async function appendRemote(url: string, token: string | undefined, entries: Uint8Array[], progress: Progress): Promise<Appended> {
  const { LogClient } = await import('../log/log-client.js');
  const { decodeUtf8 } = await import('../ledger/bytes.js');
  const client = new LogClient(url, token === undefined ? {} : { token });
  let first = -1;
  let last = -1;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const body = entries.slice(i, i + CHUNK).map((e) => decodeUtf8(e, 'INVALID_ENTRY')).join('\n') + '\n';
    let indexes: number[] | undefined;
    for (let attempt = 0; indexes === undefined; attempt++) {
      try {
        indexes = await client.add(body);
      } catch (err) {
        // The server is busy: wait as told and resend; nothing of this chunk was appended.
        if (!(err instanceof IlogError && err.code === 'PUSHBACK') || attempt === MAX_PUSHBACK_RETRIES) throw err;
        await sleep(Math.min(10_000, 1000 * Number(err.evidence?.retryAfter ?? 1)));
      }
    }
    if (first < 0) first = indexes[0]!;
    last = indexes[indexes.length - 1]!;
    progress.update(Math.min(entries.length, i + CHUNK));
  }
  return { first, last };
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('append')
      .description('append JSON-lines entries from [file] (default stdin) to the log')
      .argument('[file]', 'JSON lines file, one entry per line ("-" or omitted: stdin)')
      .option('--url <url>', 'append through a running log service instead of --dir')
      .option('--token <token>', 'write token for --url (default $ILOG_TOKEN, else <dir>/token)'),
  ).action(
    action<AppendOptions, [string | undefined]>(async (opts, file) => {
      if (file !== undefined && file !== '-' && !existsSync(file)) throw usageError(`no such file: ${file}`, { file });
      const entries = await readEntries(file);
      if (entries.length === 0) {
        printResult(opts.json, { count: 0 }, 'ilog: no entries in the input; nothing appended');
        return;
      }
      const { progressBar } = await import('./progress.js');
      const progress = progressBar('append', entries.length, opts.json);
      try {
        const r = opts.url ? await appendRemote(opts.url, tokenFor(opts), entries, progress) : await appendLocal(opts.dir, entries, progress);
        printResult(opts.json, { count: entries.length, ...r }, `ilog: appended ${entries.length} entries (indexes ${r.first}..${r.last})`);
      } finally {
        progress.stop();
      }
    }),
  );
}

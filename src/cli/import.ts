// `ilog import <file>`: start a deployment with history. Each line of <file>
// (NDJSON) is a past access in the application API's request format (actor,
// action, resource, time, …) or, with --context, a context update (people,
// relationships, resources, subjects). Accesses are sorted by their original
// time and logged honestly: the entry's `time` is when it was imported, the
// original time is `accessedAt`, so the detector learns baselines from history
// but never pages anyone about it (docs/detect.md, "Start with history").
// Like `ilog append`, the whole file is validated first: one bad line imports nothing.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface ImportOptions extends GlobalOptions {
  source: string;
  context?: boolean;
}

async function readLines(file: string): Promise<{ line: number; value: unknown }[]> {
  const out: { line: number; value: unknown }[] = [];
  let n = 0;
  for await (const raw of createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (raw.trim() === '') continue;
    try {
      out.push({ line: n, value: JSON.parse(raw) });
    } catch {
      throw new IlogError('BAD_JSON', `line ${n} is not valid JSON; nothing was imported`, { line: n });
    }
  }
  return out;
}

/** Turn every line into an entry, or throw naming the first bad line and field. */
async function toEntries(lines: { line: number; value: unknown }[], o: ImportOptions, nowMs: number): Promise<object[]> {
  const { accessEntryFromRequest } = await import('../capture/app/access-request.js');
  const { contextEntry } = await import('../capture/app/context-request.js');
  const source = `app:${o.source}`;
  const built = lines.map(({ line, value }) => {
    try {
      if (o.context) return { at: nowMs, entry: contextEntry(value, source, nowMs) };
      if (typeof (value as { time?: unknown })?.time !== 'string') throw new IlogError('INVALID_FIELD', 'time: history needs the original time of each access', { field: 'time' });
      // maxPastMs 0: every imported access keeps its original time apart from the time it was logged.
      const entry = accessEntryFromRequest(value, { app: o.source, nowMs, backfill: true, maxPastMs: 0 });
      return { at: Date.parse(String(entry.accessedAt ?? entry.time)), entry };
    } catch (e) {
      if (e instanceof IlogError) throw new IlogError(e.code, `line ${line}: ${e.message}; nothing was imported`, { ...e.evidence, line });
      throw e;
    }
  });
  // The detector learns in log order: history goes in in the order it happened.
  return built.map((b, i) => ({ ...b, i })).sort((a, b) => a.at - b.at || a.i - b.i).map((b) => b.entry);
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('import')
      .description('import past accesses (or --context: directory and relationships) so baselines are learned before anyone is paged')
      .argument('<file>', 'NDJSON, one access per line in the POST /v1/access format with its original "time" ("-": stdin)')
      .option('--source <app>', 'the application the history comes from (entries get source "app:<app>")', 'import')
      .option('--context', 'lines are context updates (people, relationships, resources, subjects) as for POST /v1/context'),
  ).action(
    action<ImportOptions, [string]>(async (opts, file) => {
      if (file !== '-' && !existsSync(file)) throw usageError(`no such file: ${file}`, { file });
      if (!/^[^\s:]+$/.test(opts.source)) throw usageError('--source is one word (no spaces or colons)', { source: opts.source });
      const entries = await toEntries(await readLines(file), opts, Date.now());
      if (entries.length === 0) {
        printResult(opts.json, { count: 0 }, 'ilog: nothing to import');
        return;
      }
      const { encodeEntry } = await import('../ledger/entry.js');
      const { appendLocal } = await import('./append.js');
      const { progressBar } = await import('./progress.js');
      const progress = progressBar('import', entries.length, opts.json);
      try {
        const r = await appendLocal(opts.dir, entries.map((e) => encodeEntry(e)), progress);
        printResult(opts.json, { count: entries.length, first: r.first, last: r.last }, `ilog: imported ${entries.length} ${opts.context ? 'context updates' : 'past accesses'} (indexes ${r.first}..${r.last})`);
      } finally {
        progress.stop();
      }
    }),
  );
}

// Restart of the real processes on a big log (docs/storage.md): a governed log
// made by `ilog init`, then N access entries bulk-built straight into log.db
// (appendBatch of 10,000, integrated in steps of 50,000, one signed checkpoint)
// rather than N appends; then `ilog serve` and `ilog proxy` (the built CLI) are
// started twice each and timed from spawn to "ready" (the URL printed): the
// first start replays from entry 0 and saves the snapshots, the second starts
// from them. A log of a few entries, started the same way, is the anchor.
import { join } from 'node:path';
import { accessEntryFromRequest } from '../src/capture/app/access-request.js';
import { formatCheckpoint } from '../src/ledger/checkpoint.js';
import { encodeEntry } from '../src/ledger/entry.js';
import { leafHashes } from '../src/ledger/hash.js';
import { signNote } from '../src/ledger/note.js';
import { TileBuilder } from '../src/ledger/tile-builder.js';
import { readLogConfig, readLogSigner } from '../src/log/appender-files.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { Daemon, ilog, requireBuild } from './ilog-process.js';

// A valid access entry (what POST /v1/access logs), canonical bytes made once; each entry
// differs only in its person (5,000) and record (100,000), so the detector has people to learn.
const TEMPLATE = Buffer.from(
  encodeEntry(accessEntryFromRequest({ actor: 'PERSON', action: 'view', resource: { type: 'customer', id: 'RECORD' }, purpose: 'support', rows: 1, role: 'support' }, { app: 'bench', nowMs: Date.parse('2026-12-07T00:00:00.000Z') })),
).toString();
const access = (i: number): Uint8Array => Buffer.from(TEMPLATE.replace('PERSON', `person${i % 5000}`).replace('RECORD', `c${i % 100_000}`));

/** Appends access entries up to `n` in all, integrates them and signs a checkpoint over the whole log. */
export function bulkBuild(dir: string, n: number): void {
  const s = SqliteLogStorage.open(dir);
  try {
    for (let from = s.size(); from < n; ) {
      const batch: Uint8Array[] = [];
      for (let i = 0; i < 10_000 && from + i < n; i++) batch.push(access(from + i));
      s.appendBatch(batch);
      from += batch.length;
    }
    const start = s.treeState().size;
    const up = TileBuilder.open(start, (l, i, w) => s.readTile(l, i, w));
    const end = s.size();
    for (let from = start; from < end; from += 50_000) {
      const step = up.append(leafHashes(s.readEntries(from, Math.min(end, from + 50_000))));
      s.integrate({ fromSize: from, tree: { size: step.size, root: step.root }, tiles: step.tiles });
    }
    const t = s.treeState();
    s.addCheckpoint(t.size, signNote(formatCheckpoint({ origin: readLogConfig(dir).origin, size: t.size, root: t.root, extensions: [] }), readLogSigner(dir)));
  } finally {
    s.close();
  }
}

async function startStop(d: Daemon): Promise<number> {
  const t = performance.now();
  await d.start();
  const ms = performance.now() - t;
  await d.stop();
  return Math.round(ms);
}

export interface ProcessRestart {
  entries: number;
  buildSeconds: number;
  serveMs: { first: number; again: number };
  proxyMs: { first: number; again: number };
}

/** `ilog serve` and `ilog proxy --upstream <upstream>` on a log of `n` entries (SQLite, in `dir`). */
export async function processRestart(dir: string, n: number, upstream: string): Promise<ProcessRestart> {
  requireBuild();
  await ilog(dir, ['init', '--origin', 'bench.example/restart']);
  const t = performance.now();
  bulkBuild(dir, n);
  const buildSeconds = Math.round((performance.now() - t) / 100) / 10;
  const serve = (): Daemon => new Daemon('serve', dir, ['serve', '--listen', '127.0.0.1:0']);
  const proxy = (): Daemon => new Daemon('proxy', dir, ['proxy', '--upstream', upstream, '--listen', '127.0.0.1:0']);
  const serveMs = { first: await startStop(serve()), again: await startStop(serve()) };
  const proxyMs = { first: await startStop(proxy()), again: await startStop(proxy()) };
  return { entries: n, buildSeconds, serveMs, proxyMs };
}

export const restartDir = (tmp: string, n: number): string => join(tmp, `restart-${n}`);

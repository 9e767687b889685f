// Storage backends benchmark (docs/storage.md); prints one JSON line per figure.
//   npm run bench:storage -- [--seconds 10] [--restart-entries 1000000] [--skip-pg] [--restart-only] [--pg-only] [--writers 1,4]
// 1. durable appends/s and append → integrated p99 through Appender on SQLite
//    and on PostgreSQL (a throw-away PostgreSQL 15 cluster, fsync on), with 1
//    and 4 writers (4 Appenders, each its own connection/writer, on one store);
// 2. restart at N entries: replaying the proxy's person directory and governance's
//    policy from entry 0 against starting from their signed snapshots
//    (src/log/state-snapshot.ts).
// Timings on a shared machine are noisy: each line carries the load average
// and the process CPU time per append.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ReplayedDirectory, VerifierStore } from '../src/capture/directory.js';
import { GovernanceView } from '../src/governance/view.js';
import { leafHashes } from '../src/ledger/hash.js';
import { verifierFromKey, signNote } from '../src/ledger/note.js';
import { formatCheckpoint } from '../src/ledger/checkpoint.js';
import { TileBuilder } from '../src/ledger/tile-builder.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { readLogConfig, readLogSigner, readLogVkey } from '../src/log/appender-files.js';
import { ProvenLog } from '../src/log/proven-log.js';
import { replayFromSnapshot } from '../src/log/state-snapshot.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { startPgCluster } from '../test/helpers/pg-cluster.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1000' },
    'restart-entries': { type: 'string', default: '1000000' },
    'skip-pg': { type: 'boolean', default: false },
    'restart-only': { type: 'boolean', default: false },
    'pg-only': { type: 'boolean', default: false },
    writers: { type: 'string', default: '1,4' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const RESTART_N = Number(args['restart-entries']);

const print = (o: Record<string, unknown>): void => console.log(JSON.stringify({ ...o, load1: Math.round(os.loadavg()[0]! * 100) / 100 }));
const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(0.99 * s.length))] ?? NaN) * 10) / 10;
};
const entry = (w: number, i: number): object => ({ v: 1, kind: 'access', time: '2026-12-07T00:00:00.000Z', source: 'app:bench', person: `w${w}-${i}`, action: 'view' });

/** Appends from `writers` Appenders for SECONDS, CONCURRENCY callers each; samples append → integrated. */
async function appendLoad(backend: string, dir: string, writers: number, store?: string): Promise<void> {
  const appenders = await Promise.all(Array.from({ length: writers }, () => Appender.open(dir, store ? { store } : {})));
  const latencies: number[] = [];
  let done = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(appenders.flatMap((a, w) => Array.from({ length: CONCURRENCY }, async (_, c) => {
    for (let i = c; performance.now() < end; i += CONCURRENCY) {
      const t = performance.now();
      const index = await a.append(entry(w, i));
      if (done++ % 200 === 0) void a.awaitIntegrated(index).then(() => latencies.push(performance.now() - t), () => {});
    }
  })));
  const cpu = process.cpuUsage(cpu0);
  await new Promise((r) => setTimeout(r, 1500)); // let the last sampled entries integrate
  for (const a of appenders) await a.close();
  print({ bench: 'append', backend, writers, appendsPerSec: Math.round(done / SECONDS), appendToIntegratedP99Ms: p99(latencies), samples: latencies.length, cpuUsPerAppend: Math.round(((cpu.user + cpu.system) / done) * 10) / 10 });
}

/** A log of n entries (user.added for a few persons among access entries), integrated and signed. */
async function bigLog(dir: string, n: number): Promise<void> {
  await initLog(dir, { origin: 'bench.example/restart' });
  const s = SqliteLogStorage.open(dir);
  const bytes = (o: object): Uint8Array => Buffer.from(JSON.stringify(o));
  for (let from = s.size(); from < n; ) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < 10_000 && from + i < n; i++) batch.push(bytes(entry(0, from + i)));
    s.appendBatch(batch);
    from += batch.length;
  }
  const tree = s.treeState();
  const up = TileBuilder.open(tree.size, (l, i, w) => s.readTile(l, i, w));
  for (let from = tree.size; from < n; from += 50_000) {
    const step = up.append(leafHashes(s.readEntries(from, Math.min(n, from + 50_000))));
    s.integrate({ fromSize: from, tree: { size: step.size, root: step.root }, tiles: step.tiles });
  }
  const t = s.treeState();
  s.addCheckpoint(t.size, signNote(formatCheckpoint({ origin: readLogConfig(dir).origin, size: t.size, root: t.root, extensions: [] }), readLogSigner(dir)));
  s.close();
}

async function restart(n: number): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'ilog-bench-restart-'));
  try {
    await bigLog(dir, n);
    const store = new VerifierStore(dir);
    const run = (): { ms: number; from: number; applied: number } => {
      const t = performance.now();
      const s = SqliteLogStorage.open(dir, { readonly: true });
      const r = replayFromSnapshot(dir, 'directory', new ReplayedDirectory(store), ProvenLog.forDir(dir, s), s, verifierFromKey(readLogVkey(dir)), readLogSigner(dir));
      s.close();
      return { ms: Math.round(performance.now() - t), from: r.from, applied: r.applied };
    };
    const cold = run(); // no snapshot: replays everything (and saves one)
    const warm = run(); // from the snapshot
    print({ bench: 'restart', component: 'proxy directory', entries: n, fromZeroMs: cold.ms, fromSnapshotMs: warm.ms, replayedFromSnapshot: warm.applied });
    store.close();
    const open = (): number => {
      const t = performance.now();
      GovernanceView.open(dir).close(); // from the policy snapshot when there is one, saving one otherwise
      return Math.round(performance.now() - t);
    };
    const govCold = open();
    print({ bench: 'restart', component: 'governance (GovernanceView.open)', entries: n, fromZeroMs: govCold, fromSnapshotMs: open() });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tmp = mkdtempSync(join(os.tmpdir(), 'ilog-bench-storage-'));
try {
  const writerCounts = args.writers.split(',').map(Number);
  for (const writers of args['restart-only'] || args['pg-only'] ? [] : writerCounts) {
    const dir = join(tmp, `sqlite-${writers}`);
    await initLog(dir, { origin: 'bench.example/sqlite' });
    await appendLoad('sqlite', dir, writers);
  }
  if (!args['skip-pg'] && !args['restart-only']) {
    const cluster = await startPgCluster({ pgaudit: false, conf: ['fsync = on', 'synchronous_commit = on'] });
    try {
      for (const writers of writerCounts) {
        const dir = join(tmp, `pg-${writers}`);
        const store = `${cluster.url}?schema=bench${writers}`;
        process.env.ILOG_STORE = store; // initLog opens the log through storage/open-storage.ts
        await initLog(dir, { origin: 'bench.example/pg' });
        await appendLoad('postgres', dir, writers, store);
        delete process.env.ILOG_STORE;
      }
    } finally {
      await cluster.stop();
    }
  }
  if (!args['pg-only']) await restart(RESTART_N);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

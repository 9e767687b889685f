// Storage backends benchmark (docs/storage.md); prints one JSON line per figure.
//   npm run bench:storage -- [--seconds 10] [--writers 1,4] [--restart-entries 1000000]
//     [--parts append,restart,failover,locks] [--skip-pg] [--restart-only] [--pg-only]
//     [--failover-rounds 5] [--proxies 4] [--locks 50] [--process-restart-entries 1000000,10000000]
// append: durable appends/s and append → integrated p99 through Appender on SQLite
//    and on PostgreSQL (a throw-away PostgreSQL 15 cluster, fsync on), with 1
//    and 4 writers (4 Appenders, each its own connection/writer, on one store);
// restart: restart at N entries: replaying the proxy's person directory, governance's
//    policy, and the alert book with the detector from entry 0 against starting from their
//    signed snapshots (src/log/state-snapshot.ts; bench/storage-alerting.ts);
// failover: two `ilog serve` on one PostgreSQL store, kill -9 of the lease holder →
//    the standby serving (bench/storage-failover.ts);
// locks: a lock reaching every one of --proxies `ilog proxy` on one PostgreSQL store
//    (bench/storage-locks.ts);
// process-restart (not by default): `ilog serve` and `ilog proxy` started on a bulk-built
//    log of each size in --process-restart-entries (bench/storage-restart.ts).
// The last three run the built CLI (npm run build). Timings on a shared machine are
// noisy: each line carries the load average (and CPU time where it applies).
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ReplayedDirectory, VerifierStore } from '../src/capture/directory.js';
import { GovernanceView } from '../src/governance/view.js';
import { verifierFromKey } from '../src/ledger/note.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { readLogSigner, readLogVkey } from '../src/log/appender-files.js';
import { ProvenLog } from '../src/log/proven-log.js';
import { replayFromSnapshot } from '../src/log/state-snapshot.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { startPgCluster, type PgCluster } from '../test/helpers/pg-cluster.js';
import { failover } from './storage-failover.js';
import { lockReach } from './storage-locks.js';
import { bulkBuild, processRestart, restartDir } from './storage-restart.js';
import { alertingRestart } from './storage-alerting.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1000' },
    'restart-entries': { type: 'string', default: '1000000' },
    'skip-pg': { type: 'boolean', default: false },
    'restart-only': { type: 'boolean', default: false },
    'pg-only': { type: 'boolean', default: false },
    writers: { type: 'string', default: '1,4' },
    parts: { type: 'string', default: 'append,restart,failover,locks' },
    'failover-rounds': { type: 'string', default: '5' },
    proxies: { type: 'string', default: '4' },
    locks: { type: 'string', default: '50' },
    'process-restart-entries': { type: 'string', default: '1000000,10000000' },
  },
});
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const RESTART_N = Number(args['restart-entries']);

const print = (o: Record<string, unknown>): void => console.log(JSON.stringify({ ...o, load1: Math.round(os.loadavg()[0]! * 100) / 100 }));
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN) * 10) / 10;
};
const p99 = (xs: number[]): number => quantile(xs, 0.99);
const entry = (w: number, i: number): object => ({ v: 1, kind: 'access', time: '2026-12-07T00:00:00.000Z', source: 'app:bench', person: `w${w}-${i}`, action: 'view' });

/**
 * Appends from `writers` Appenders for SECONDS, CONCURRENCY callers each; samples append → integrated.
 * Also the integration rate over the run (the tree's growth) and the backlog left at its end (sequenced,
 * not yet integrated): appends/s above the integrated rate only grow the backlog.
 */
async function appendLoad(backend: string, dir: string, writers: number, store?: string): Promise<void> {
  const appenders = await Promise.all(Array.from({ length: writers }, () => Appender.open(dir, store ? { store } : {})));
  const storage = appenders[0]!.storage;
  const latencies: number[] = [];
  const byWriter: number[][] = appenders.map(() => []);
  let done = 0;
  const tree0 = storage.integratedSize();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + SECONDS * 1000;
  await Promise.all(appenders.flatMap((a, w) => Array.from({ length: CONCURRENCY }, async (_, c) => {
    for (let i = c; performance.now() < end; i += CONCURRENCY) {
      const t = performance.now();
      const index = await a.append(entry(w, i));
      if (done++ % 200 === 0) void a.awaitIntegrated(index).then(() => (latencies.push(performance.now() - t), byWriter[w]!.push(performance.now() - t)), () => {});
    }
  })));
  const cpu = process.cpuUsage(cpu0);
  lag.disable();
  const runSeconds = (performance.now() - t0) / 1000;
  const integrated = storage.integratedSize() - tree0;
  const backlog = storage.size() - storage.integratedSize();
  await new Promise((r) => setTimeout(r, 1500)); // let the last sampled entries integrate
  const summary = (i: object): Record<string, number> => Object.fromEntries(Object.entries(i as Record<string, number>).map(([k, v]) => [k, Math.round(v)]));
  const phases: Record<string, number> = {};
  for (const a of appenders) for (const [k, v] of Object.entries(a.stats().integration)) phases[k] = (phases[k] ?? 0) + v;
  for (const k of ['readMs', 'hashMs', 'writeMs']) phases[k] = Math.round(phases[k]!);
  for (const a of appenders) await a.close();
  print({
    bench: 'append', backend, writers, appendsPerSec: Math.round(done / SECONDS), integratedPerSec: Math.round(integrated / runSeconds), backlogAtEnd: backlog,
    appendToIntegratedP99Ms: p99(latencies), samples: latencies.length, cpuUsPerAppend: Math.round(((cpu.user + cpu.system) / done) * 10) / 10,
    eventLoopDelayP99Ms: Math.round(lag.percentile(99) / 1e5) / 10, integration: phases,
    perWriter: appenders.map((a, w) => ({ ...summary(a.stats().integration), appendToIntegratedP99Ms: p99(byWriter[w]!) })),
  });
}

/** A log of n access entries, integrated and signed. */
async function bigLog(dir: string, n: number): Promise<void> {
  await initLog(dir, { origin: 'bench.example/restart' });
  bulkBuild(dir, n);
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
    const a = await alertingRestart(dir, n);
    print({ bench: 'restart', component: 'alert book and detector (startAlerting → log judged and read)', entries: n, fromZeroMs: a.fromZero.ms, fromZeroCpuMs: a.fromZero.cpuMs, fromSnapshotMs: a.fromSnapshots.ms, fromSnapshotCpuMs: a.fromSnapshots.cpuMs, pipelineFrom: a.fromSnapshots.pipelineFrom });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const parts = new Set(args['restart-only'] ? ['restart'] : args.parts.split(','));
if (args['pg-only']) parts.delete('restart');
const tmp = mkdtempSync(join(os.tmpdir(), 'ilog-bench-storage-'));
/** A throw-away PostgreSQL 15 (fsync on) for the parts that use one. */
async function withCluster(fn: (c: PgCluster) => Promise<void>): Promise<void> {
  const cluster = await startPgCluster({ pgaudit: false, conf: ['fsync = on', 'synchronous_commit = on', 'max_connections = 200'] });
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}
try {
  const writerCounts = args.writers.split(',').map(Number);
  for (const writers of parts.has('append') && !args['pg-only'] ? writerCounts : []) {
    const dir = join(tmp, `sqlite-${writers}`);
    await initLog(dir, { origin: 'bench.example/sqlite' });
    await appendLoad('sqlite', dir, writers);
  }
  if (!args['skip-pg'] && parts.has('append')) {
    await withCluster(async (cluster) => {
      for (const writers of writerCounts) {
        const dir = join(tmp, `pg-${writers}`);
        const store = `${cluster.url}?schema=bench${writers}`;
        process.env.ILOG_STORE = store; // initLog opens the log through storage/open-storage.ts
        await initLog(dir, { origin: 'bench.example/pg' });
        await appendLoad('postgres', dir, writers, store);
        delete process.env.ILOG_STORE;
      }
    });
  }
  if (parts.has('restart')) await restart(RESTART_N);
  if (!args['skip-pg'] && parts.has('failover')) {
    await withCluster(async (cluster) => {
      const ms = await failover(cluster, tmp, Number(args['failover-rounds']));
      print({ bench: 'failover', what: 'kill -9 of the serving ilog serve → the standby serving', rounds: ms.length, ms, p50Ms: quantile(ms, 0.5), maxMs: Math.max(...ms) });
    });
  }
  if (!args['skip-pg'] && parts.has('locks')) {
    await withCluster(async (cluster) => {
      const proxies = Number(args.proxies);
      const r = await lockReach(cluster, tmp, proxies, Number(args.locks)).catch((e: unknown) => {
        print({ bench: 'lock-reach', proxies, failed: e instanceof Error ? e.message : String(e) });
        return undefined;
      });
      if (!r) return;
      const sum = (xs: number[]) => ({ p50Ms: quantile(xs, 0.5), p99Ms: quantile(xs, 0.99), maxMs: Math.round(Math.max(...xs)) });
      print({ bench: 'lock-reach', what: `lock appended → its sessions ended at every one of ${proxies} ilog proxy on one PostgreSQL store`, proxies, locks: r.fromAppend.length, ...sum(r.fromAppend) });
      print({ bench: 'lock-reach', what: 'checkpoint over the lock stored → sessions ended at every proxy', proxies, locks: r.fromSigned.length, ...sum(r.fromSigned) });
    });
  }
  if (parts.has('process-restart')) {
    await withCluster(async (cluster) => {
      for (const n of [10, ...args['process-restart-entries'].split(',').map(Number)]) {
        const r = await processRestart(restartDir(tmp, n), n, cluster.url);
        print({ bench: 'process-restart', what: 'spawn → ready (URL printed), first start then again from the snapshots', ...r });
        rmSync(restartDir(tmp, n), { recursive: true, force: true });
      }
    });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

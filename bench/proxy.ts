// Benchmark (issue #11): the capture proxy against PostgreSQL directly and
// against pgbouncer (session pooling), all three in front of the same
// PostgreSQL 15 cluster in the same run, so ratios to direct are comparable on a
// loaded machine. Scenarios: pgbench -S (select-only) with 8 and 64 clients,
// simple and prepared protocol; the default TPC-B-like script with 8 clients;
// one client (added latency p50). Per run one JSON line: TPS, ratio to direct,
// p50/p99 latency per transaction and what the target added over direct, and
// the CPU µs per statement of the pgbouncer / ilog process (from /proc). One
// more line with the machine: cores, load, fdatasync latency of the log's disk.
// Usage: npm run bench:proxy [-- --seconds 8 --repeat 1 --warmup 2 --scale 5 --only pgbouncer,ilog,ilog-inline,ilog-thread,ilog-no-overlap,ilog-no-metrics,ilog-shm --scenarios S-c8-simple,tpcb-c8 --pg-fsync off]
//   ILOG_BENCH_LOG_BASE=/dev/shm puts the log on tmpfs; ILOG_BENCH_BASE=<checkout> with --only ilog,ilog-base runs that checkout's proxy beside this one; ILOG_BENCH_NODE_ARGS='--cpu-prof' profiles the proxy; ILOG_BENCH_DIST=1 runs the built CLI (dist/) instead of the sources through tsx.
import { execFile } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startPgCluster } from '../test/helpers/pg-cluster.js';
import { cpuMicros, fdatasyncMicros, startIlogProxy, startPgbouncer, threadMicros, type Running, type Target } from './proxy-targets.js';

const run = promisify(execFile);
const argv = process.argv;
const opt = (name: string): string | undefined => (argv.indexOf(`--${name}`) > 0 ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const SECONDS = Number(opt('seconds') ?? 8);
const SCALE = Number(opt('scale') ?? 5);
const ONLY = opt('only')?.split(',');
/** Rounds over the scenarios (each round runs every target in turn: interleaved A/B on a noisy machine). */
const REPEAT = Number(opt('repeat') ?? 1);
const PG_FSYNC = opt('pg-fsync') ?? 'on';
/** Seconds of pgbench (-S c8 simple, then prepared) against each proxy before measuring: a fresh proxy spends its first seconds compiling (JIT). */
const WARMUP = Number(opt('warmup') ?? 2);
const LOG_BASE = process.env.ILOG_BENCH_LOG_BASE ?? tmpdir();
const NODE_ARGS = (process.env.ILOG_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

interface Scenario {
  name: string;
  clients: number;
  threads: number;
  /** pgbench arguments besides connection, clients and duration. */
  args: string[];
  /** SQL statements per pgbench transaction (for CPU per statement). */
  statements: number;
  /** pgbench -T counts the clients' logins; 64 SCRAM logins on a loaded 2-core machine take seconds. */
  connectSeconds?: number;
}

const ALL: Scenario[] = [
  { name: 'S-c8-simple', clients: 8, threads: 2, args: ['-S', '-M', 'simple'], statements: 1 },
  { name: 'S-c8-prepared', clients: 8, threads: 2, args: ['-S', '-M', 'prepared'], statements: 1 },
  { name: 'S-c64-simple', clients: 64, threads: 2, args: ['-S', '-M', 'simple'], statements: 1, connectSeconds: 8 },
  { name: 'S-c64-prepared', clients: 64, threads: 2, args: ['-S', '-M', 'prepared'], statements: 1, connectSeconds: 8 },
  // BEGIN, 3 UPDATEs, SELECT, INSERT, END.
  { name: 'tpcb-c8', clients: 8, threads: 2, args: ['-M', 'simple'], statements: 7 },
  { name: 'S-c1-simple', clients: 1, threads: 1, args: ['-S', '-M', 'simple'], statements: 1 },
];
const SCENARIOS = opt('scenarios') ? ALL.filter((s) => opt('scenarios')!.split(',').includes(s.name)) : ALL;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Result {
  tps: number;
  transactions: number;
  p50: number;
  p99: number;
  cpuUs?: number;
  /** CPU µs per thread name during the run. */
  threads: (readonly [string, number])[];
}

async function pgbench(t: Target, s: Scenario, seconds = SECONDS + (s.connectSeconds ?? 0)): Promise<Result> {
  const logDir = mkdtempSync(join(tmpdir(), 'ilog-bench-pgbench-'));
  const cpu0 = t.pid ? cpuMicros(t.pid) : 0;
  const threads0 = t.pid ? threadMicros(t.pid) : {};
  const { stdout } = await run(
    'pgbench',
    ['-n', ...s.args, '-c', String(s.clients), '-j', String(s.threads), '-T', String(seconds), '-l', '--log-prefix', join(logDir, 'tx'), '-h', t.host, '-p', String(t.port), '-U', t.user, 'postgres'],
    { env: { ...process.env, PGPASSWORD: t.password, ...t.env }, maxBuffer: 1 << 24 },
  );
  const cpuUs = t.pid ? cpuMicros(t.pid) - cpu0 : undefined;
  const threads = t.pid ? Object.entries(threadMicros(t.pid)).map(([k, v]) => [k, v - (threads0[k] ?? 0)] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, 4) : [];
  // Per-transaction log: client_id transaction_no time(µs) script_no time_epoch time_us
  const lat: number[] = [];
  for (const f of readdirSync(logDir)) for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
    const us = Number(line.split(' ')[2]);
    if (line && Number.isFinite(us)) lat.push(us);
  }
  rmSync(logDir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
  return { tps: Number(/tps = ([\d.]+)/.exec(stdout)?.[1]), transactions, p50: percentile(lat, 50) / 1000, p99: percentile(lat, 99) / 1000, cpuUs, threads };
}

const round = (x: number, d = 3): number => Number(x.toFixed(d));
const maxClients = Math.max(...SCENARIOS.map((s) => s.clients));
const cluster = await startPgCluster({ pgaudit: false, conf: [`fsync = ${PG_FSYNC}`, `max_connections = ${3 * maxClients + 20}`] });
const running: Running[] = [];
try {
  await run('pgbench', ['-i', '-q', '-s', String(SCALE), '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres'], { env: { ...process.env, PGPASSWORD: cluster.password } });
  const fsync = fdatasyncMicros(LOG_BASE);
  console.log(JSON.stringify({
    bench: 'proxy-machine', cores: cpus().length, load: loadavg().map((l) => round(l, 2)), log: LOG_BASE,
    fdatasync_p50_us: fsync.p50, fdatasync_p99_us: fsync.p99, pg_fsync: PG_FSYNC, seconds: SECONDS, scale: SCALE,
  }));
  const direct: Target = { name: 'direct', host: '127.0.0.1', port: cluster.port, user: 'postgres', password: cluster.password };
  const targets: Target[] = [direct];
  if (!ONLY || ONLY.includes('pgbouncer')) running.push(await startPgbouncer(cluster, maxClients + 4));
  if (!ONLY || ONLY.includes('ilog')) running.push(await startIlogProxy(cluster, LOG_BASE, NODE_ARGS));
  // Variants, only on request: log commits always on the main thread / always on the writer thread; reads strictly log-first.
  if (ONLY?.includes('ilog-inline')) running.push(await startIlogProxy(cluster, LOG_BASE, NODE_ARGS, 'ilog-inline', ['--writer', 'inline']));
  if (ONLY?.includes('ilog-thread')) running.push(await startIlogProxy(cluster, LOG_BASE, NODE_ARGS, 'ilog-thread', ['--writer', 'thread']));
  if (ONLY?.includes('ilog-no-overlap')) running.push(await startIlogProxy(cluster, LOG_BASE, NODE_ARGS, 'ilog-no-overlap', ['--no-overlap']));
  // The same proxy with its log on tmpfs (no disk behind the commit), in the same run: what the disk costs.
  if (ONLY?.includes('ilog-shm')) running.push(await startIlogProxy(cluster, '/dev/shm', NODE_ARGS, 'ilog-shm'));
  // A/B against another checkout of ilog (e.g. a `git worktree` of main), in the same run: ILOG_BENCH_BASE=<dir> --only ilog,ilog-base.
  if (ONLY?.includes('ilog-base')) {
    if (!process.env.ILOG_BENCH_BASE) throw new Error('ilog-base needs ILOG_BENCH_BASE=<another checkout of ilog>');
    running.push(await startIlogProxy(cluster, LOG_BASE, NODE_ARGS, 'ilog-base', [], process.env.ILOG_BENCH_BASE));
  }
  // What metrics cost: the same proxy keeping none (compare cpu_us_per_stmt with `ilog`'s).
  if (ONLY?.includes('ilog-no-metrics')) running.push(await startIlogProxy(cluster, LOG_BASE, NODE_ARGS, 'ilog-no-metrics', ['--no-metrics']));
  targets.push(...running);
  // Not reported: measured, a freshly started proxy used 2,490 µs of CPU per statement in its
  // first 5 s under pgbench (TurboFan compiling) and 750–960 µs after 15 s, at load 16.
  if (WARMUP > 0) for (const t of running) for (const s of ALL.slice(0, 2)) await pgbench(t, s, WARMUP);
  for (let round_ = 0; round_ < REPEAT; round_++) for (const s of SCENARIOS) {
    let base: Result | undefined;
    for (const t of targets) {
      const r = await pgbench(t, s);
      base ??= r;
      console.log(JSON.stringify({
        bench: 'proxy', scenario: s.name, target: t.name, clients: s.clients, seconds: SECONDS, load1: round(loadavg()[0]!, 2),
        tps: Math.round(r.tps), ratio: round(r.tps / base.tps),
        p50_ms: round(r.p50), p99_ms: round(r.p99), added_p50_ms: round(r.p50 - base.p50), added_p99_ms: round(r.p99 - base.p99),
        ...(r.cpuUs !== undefined ? { cpu_us_per_stmt: round(r.cpuUs / (r.transactions * s.statements), 1) } : {}),
        ...(r.threads.length > 1 ? { cpu_us_per_stmt_by_thread: Object.fromEntries(r.threads.map(([k, v]) => [k, round(v / (r.transactions * s.statements), 1)])) } : {}),
      }));
    }
  }
} finally {
  for (const r of running) await r.stop().catch(() => {});
  await cluster.stop();
}

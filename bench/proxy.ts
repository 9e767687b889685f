// Benchmark: pgbench -S (select-only), 8 clients, 2 threads, simple and
// prepared protocol, against the same PostgreSQL 15 directly, through
// pgbouncer (session mode) and through the ilog proxy with full durable
// logging (`ilog proxy` subprocess, SQLite log, group commit). Prints one JSON
// line per run: TPS, ratio to direct, and p50/p99 latency per statement plus
// the latency added over direct (pgbench -S runs one statement per transaction).
// Usage: npm run bench:proxy [-- --seconds 10 --scale 1]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startPgCluster, type PgCluster } from '../test/helpers/pg-cluster.js';

const run = promisify(execFile);
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 10);
const SCALE = arg('scale', 1);
const onlyIdx = process.argv.indexOf('--only');
const ONLY = onlyIdx > 0 ? process.argv[onlyIdx + 1]!.split(',') : undefined;
const MODES = (process.argv.includes('--mode') ? process.argv[process.argv.indexOf('--mode') + 1]! : 'simple,prepared').split(',');
const PROXY_NODE_ARGS = (process.env.ILOG_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CLIENTS = 8;
const THREADS = 2;
const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

interface Target {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  env?: Record<string, string>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function pgbench(t: Target, mode: string): Promise<{ tps: number; p50: number; p99: number }> {
  const logDir = mkdtempSync(join(tmpdir(), 'ilog-bench-log-'));
  const { stdout } = await run(
    'pgbench',
    ['-n', '-S', '-c', String(CLIENTS), '-j', String(THREADS), '-T', String(SECONDS), '-M', mode, '-l', '--log-prefix', join(logDir, 'tx'), '-h', t.host, '-p', String(t.port), '-U', t.user, 'postgres'],
    { env: { ...process.env, PGPASSWORD: t.password, ...t.env }, maxBuffer: 1 << 24 },
  );
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  // Per-transaction log: client_id transaction_no time(µs) script_no time_epoch time_us
  const lat: number[] = [];
  for (const f of readdirSync(logDir)) for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
    const us = Number(line.split(' ')[2]);
    if (Number.isFinite(us) && line) lat.push(us);
  }
  rmSync(logDir, { recursive: true, force: true });
  lat.sort((a, b) => a - b);
  return { tps, p50: percentile(lat, 50) / 1000, p99: percentile(lat, 99) / 1000 };
}

async function startPgbouncer(cluster: PgCluster): Promise<{ port: number; stop(): void; proc: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'ilog-pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), `"postgres" "${cluster.password}"\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `postgres = host=127.0.0.1 port=${cluster.port} dbname=postgres`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = session',
      'max_client_conn = 100',
      'default_pool_size = 20',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, gid);
  // pgbouncer refuses to run as root.
  const proc = spawn('runuser', ['-u', 'postgres', '--', 'pgbouncer', join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      await run('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'SELECT 1', 'postgres'], { env: { ...process.env, PGPASSWORD: cluster.password } });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    proc,
    stop() {
      const pid = Number(readFileSync(join(dir, 'pgbouncer.log'), 'utf8').match(/\[(\d+)\]/)?.[1]);
      if (pid) process.kill(pid, 'SIGTERM');
      proc.kill('SIGTERM');
      setTimeout(() => rmSync(dir, { recursive: true, force: true }), 500).unref();
    },
  };
}

async function startIlogProxy(cluster: PgCluster): Promise<{ port: number; stop(): Promise<void> }> {
  // ILOG_BENCH_LOG_BASE=/dev/shm puts the log on tmpfs (fsync free): separates disk latency from proxy cost.
  const dir = mkdtempSync(join(process.env.ILOG_BENCH_LOG_BASE ?? tmpdir(), 'ilog-bench-proxy-'));
  const cli = (args: string[], input?: string) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args, '--dir', dir], { stdio: ['pipe', 'ignore', 'inherit'] });
      p.stdin.end(input ?? '');
      p.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`ilog ${args[0]} failed`))));
    });
  await cli(['init', '--origin', 'bench.example/proxy']);
  await cli(['user', 'add', 'bench', '--upstream-role', 'postgres', '--password-stdin'], 'bench-password\n');
  const port = await freePort();
  const proc = spawn(process.execPath, [...PROXY_NODE_ARGS, '--import', 'tsx', MAIN, 'proxy', '--upstream', cluster.url, '--listen', `127.0.0.1:${port}`, '--dir', dir, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => proc.stdout!.on('data', (d: Buffer) => d.toString().includes('"url"') && resolve()));
  return {
    port,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.on('close', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const cluster = await startPgCluster({ pgaudit: false });
let bouncer: Awaited<ReturnType<typeof startPgbouncer>> | undefined;
let proxy: Awaited<ReturnType<typeof startIlogProxy>> | undefined;
try {
  await run('pgbench', ['-i', '-q', '-s', String(SCALE), '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres'], { env: { ...process.env, PGPASSWORD: cluster.password } });
  bouncer = await startPgbouncer(cluster);
  proxy = await startIlogProxy(cluster);
  const targets: Target[] = [
    { name: 'direct', host: '127.0.0.1', port: cluster.port, user: 'postgres', password: cluster.password },
    { name: 'pgbouncer', host: '127.0.0.1', port: bouncer.port, user: 'postgres', password: cluster.password },
    { name: 'ilog', host: '127.0.0.1', port: proxy.port, user: 'bench', password: 'bench-password', env: { PGOPTIONS: '-c ilog.purpose=benchmark' } },
  ];
  for (const mode of MODES) {
    let direct: { tps: number; p50: number; p99: number } | undefined;
    for (const t of targets) {
      if (ONLY && t.name !== 'direct' && !ONLY.includes(t.name)) continue;
      const r = await pgbench(t, mode);
      direct ??= r;
      console.log(
        JSON.stringify({
          bench: 'proxy', target: t.name, mode, clients: CLIENTS, threads: THREADS, seconds: SECONDS, scale: SCALE,
          log: t.name === 'ilog' ? (process.env.ILOG_BENCH_LOG_BASE ?? tmpdir()) : undefined,
          tps: Math.round(r.tps), ratio: Number((r.tps / direct.tps).toFixed(3)),
          p50_ms: Number(r.p50.toFixed(3)), p99_ms: Number(r.p99.toFixed(3)),
          added_p50_ms: Number((r.p50 - direct.p50).toFixed(3)), added_p99_ms: Number((r.p99 - direct.p99).toFixed(3)),
        }),
      );
    }
  }
} finally {
  bouncer?.stop();
  await proxy?.stop();
  await cluster.stop();
}

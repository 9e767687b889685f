// What bench/proxy.ts measures against: pgbouncer in session mode and `ilog proxy`
// (a subprocess on a fresh log), both in front of the same PostgreSQL cluster,
// plus the two machine facts the ratios depend on: CPU time of a process from
// /proc/<pid>/stat and the fdatasync latency of the log's file system.
import { execFile, spawn } from 'node:child_process';
import { chownSync, closeSync, fdatasyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type PgCluster } from '../test/helpers/pg-cluster.js';

const run = promisify(execFile);
const MAIN_HERE = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
/** USER_HZ: /proc reports CPU time in these ticks (100 on every Linux this runs on; getconf CLK_TCK). */
const TICKS_PER_S = 100;

export interface Target {
  name: string;
  host: string;
  port: number;
  user: string;
  password: string;
  env?: Record<string, string>;
  /** The process whose CPU time is charged to this target (all its threads). */
  pid?: number;
}

export interface Running extends Target {
  stop(): Promise<void>;
}

/** User + system CPU time of a process and all its threads so far, in µs. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may hold spaces): utime is field 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / TICKS_PER_S;
}

/** CPU µs so far per thread of a process ("main" or "t<tid>"; Node names every thread "node"). */
export function threadMicros(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid) === pid ? 'main' : `t${tid}`] = ((Number(f[11]) + Number(f[12])) * 1e6) / TICKS_PER_S;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Median and p99 of `n` 8 kB write + fdatasync rounds on a file in `dir` (µs). */
export function fdatasyncMicros(dir: string, n = 200): { p50: number; p99: number } {
  const path = join(dir, `fdatasync-probe-${process.pid}`);
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(8192, 7);
  const t: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, block, 0, block.length, (i % 16) * block.length);
      const s = performance.now();
      fdatasyncSync(fd);
      t.push((performance.now() - s) * 1000);
    }
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
  t.sort((a, b) => a - b);
  return { p50: Math.round(t[Math.floor(n / 2)]!), p99: Math.round(t[Math.floor(n * 0.99)]!) };
}

async function waitForPsql(port: number, user: string, password: string, env: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      await run('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-c', 'SELECT 1', 'postgres'], { env: { ...process.env, PGPASSWORD: password, ...env } });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}

export async function startPgbouncer(cluster: PgCluster, poolSize: number): Promise<Running> {
  const dir = mkdtempSync(join('/tmp', 'ilog-pgbouncer-'));
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
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = session',
      `max_client_conn = ${poolSize + 20}`,
      `default_pool_size = ${poolSize}`,
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  for (const f of ['', 'users.txt', 'pgbouncer.ini']) chownSync(join(dir, f), uid, gid);
  // pgbouncer refuses to run as root.
  const proc = spawn('runuser', ['-u', 'postgres', '--', 'pgbouncer', join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  await waitForPsql(port, 'postgres', cluster.password);
  const pid = Number(readFileSync(join(dir, 'pgbouncer.pid'), 'utf8').trim());
  return {
    name: 'pgbouncer', host: '127.0.0.1', port, user: 'postgres', password: cluster.password, pid,
    async stop() {
      process.kill(pid, 'SIGTERM');
      proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `ilog proxy` on a fresh log in `base` (a directory on the file system whose fdatasync is reported). */
export async function startIlogProxy(cluster: PgCluster, base: string, nodeArgs: string[], name = 'ilog', proxyArgs: string[] = [], checkout?: string): Promise<Running> {
  const dir = mkdtempSync(join(base, 'ilog-bench-proxy-'));
  // ILOG_BENCH_DIST=1: the built CLI (dist/, `npm run build` first), as deployed; else the sources through tsx.
  const built = process.env.ILOG_BENCH_DIST === '1';
  const MAIN = built ? join(checkout ?? join(import.meta.dirname, '..'), 'dist', 'cli', 'main.js') : checkout ? join(checkout, 'src', 'cli', 'main.ts') : MAIN_HERE;
  const loader = built ? [] : ['--import', 'tsx'];
  const cli = (args: string[], input?: string) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [...loader, MAIN, ...args, '--dir', dir], { stdio: ['pipe', 'ignore', 'inherit'] });
      p.stdin.end(input ?? '');
      p.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`ilog ${args[0]} failed`))));
    });
  await cli(['init', '--origin', 'bench.example/proxy']);
  await cli(['user', 'add', 'bench', '--upstream-role', 'postgres', '--password-stdin'], 'bench-password\n');
  const port = await freePort();
  const proc = spawn(process.execPath, [...nodeArgs, ...loader, MAIN, 'proxy', '--upstream', cluster.url, '--listen', `127.0.0.1:${port}`, '--dir', dir, '--json', ...proxyArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => d.toString().includes('"url"') && resolve());
    proc.on('close', (c) => reject(new Error(`ilog proxy exited with ${c}`)));
  });
  return {
    name, host: '127.0.0.1', port, user: 'bench', password: 'bench-password', env: { PGOPTIONS: '-c ilog.purpose=benchmark' }, pid: proc.pid!,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.on('close', r));
      if (process.env.ILOG_BENCH_KEEP) console.error(`ilog bench dir kept: ${dir}`);
      else {
        rmSync(dir, { recursive: true, force: true });
        rmSync(`${dir}.admin.key`, { force: true }); // `ilog init` writes it beside the directory
      }
    },
  };
}

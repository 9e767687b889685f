// A throw-away PostgreSQL 15 cluster for tests and benchmarks: initdb as the
// `postgres` OS user into a temp dir, a random loopback port, the unix socket
// inside the temp dir, SCRAM-SHA-256 for every connection, and pgaudit
// preloaded when the extension is installed. stop() ends exactly the
// postmaster it started (pg_ctl stop -m fast on its data dir) and removes the dir.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_BIN = process.env.ILOG_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PGAUDIT_SO = '/usr/lib/postgresql/15/lib/pgaudit.so';

export interface PgCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgres://user:password@127.0.0.1:port/postgres */
  url: string;
  dataDir: string;
  socketDir: string;
  pid: number;
  pgaudit: boolean;
  /** Runs SQL as the superuser with psql and returns its unaligned output. */
  psql(sql: string, db?: string): string;
  stop(): Promise<void>;
}

/** Why the cluster cannot run here, or undefined when it can. */
export function pgUnavailable(): string | undefined {
  for (const b of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN, b))) return `PostgreSQL 15 binaries not found in ${PG_BIN} (install postgresql-15)`;
  }
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    return 'no `postgres` OS user to run initdb as';
  }
  return undefined;
}

/**
 * True when PostgreSQL tests should be skipped. Under CI=true a missing
 * PostgreSQL is a failure, never a silent skip.
 */
export function skipWithoutPg(): boolean {
  const why = pgUnavailable();
  if (!why) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but PostgreSQL tests cannot run: ${why}`);
  console.warn(`skipping PostgreSQL tests: ${why}`);
  return true;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function asPostgres(bin: string, args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface StartOptions {
  /** Extra postgresql.conf lines. */
  conf?: string[];
  /** Preload pgaudit when installed (default true). */
  pgaudit?: boolean;
}

export async function startPgCluster(opts: StartOptions = {}): Promise<PgCluster> {
  const why = pgUnavailable();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), 'ilog-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const dataDir = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  chownSync(pwFile, uid, gid);
  asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', `--pwfile=${pwFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
  rmSync(pwFile);
  const port = await freePort();
  const pgaudit = opts.pgaudit !== false && existsSync(PGAUDIT_SO);
  const conf = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    `password_encryption = 'scram-sha-256'`,
    `fsync = off`,
    `max_connections = 100`,
    ...(pgaudit ? [`shared_preload_libraries = 'pgaudit'`] : []),
    ...(opts.conf ?? []),
  ];
  appendFileSync(join(dataDir, 'postgresql.conf'), '\n' + conf.join('\n') + '\n');
  writeFileSync(join(dataDir, 'pg_hba.conf'), 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n');
  asPostgres('pg_ctl', ['start', '-w', '-D', dataDir, '-l', join(dir, 'postgres.log'), '-t', '60']);
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // If this process dies without stop() (a worker killed on a timeout, a crashed
  // benchmark), a watchdog stops the cluster and removes its files.
  const watchdog = spawn('sh', ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; runuser -u postgres -- "$2" stop -m immediate -D "$3" >/dev/null 2>&1; rm -rf "$4"', 'pg-watchdog', String(process.pid), join(PG_BIN, 'pg_ctl'), dataDir, dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    url,
    dataDir,
    socketDir: dir,
    pid,
    pgaudit,
    psql(sql: string, db = 'postgres'): string {
      return execFileSync('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', db, '-c', sql], {
        encoding: 'utf8',
        env: { ...process.env, PGPASSWORD: password },
        // A fuzz run's canary table is several MB of output; the default 1 MB ended one with ENOBUFS.
        maxBuffer: 1 << 30,
      }).trim();
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      if (watchdog.pid !== undefined) {
        try {
          process.kill(watchdog.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      try {
        asPostgres('pg_ctl', ['stop', '-m', 'fast', '-w', '-D', dataDir]);
      } catch {
        // pg_ctl failed (already gone?): signal our own postmaster by PID only.
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          /* not running */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Test fixture for the pgAudit reconciler: a real PostgreSQL 15 cluster that
// writes csvlog with pgAudit (the settings docs/reconcile.md asks for), direct
// psql sessions, and a reconciler writing into a TestLog.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { encodeEntry } from '../../src/ledger/index.js';
import { Reconciler, type ReconcilerOptions } from '../../src/capture/pgaudit/reconciler.js';
import { checkServerSettings } from '../../src/capture/pgaudit/server-settings.js';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import type { TestLog } from './fixture.js';

export const AUDIT_CONF = [
  `logging_collector = on`,
  `log_destination = 'csvlog'`,
  `log_directory = 'log'`,
  `log_rotation_age = 0`,
  `log_rotation_size = 0`,
  `pgaudit.log = 'all'`,
  `pgaudit.log_relation = on`,
  `log_connections = on`,
  `log_disconnections = on`,
];

export function startAuditedCluster(): Promise<PgCluster> {
  return startPgCluster({ conf: AUDIT_CONF });
}

/** Starts one audited cluster for the enclosing describe block and stops it after; `set` receives it. */
export function useAuditedCluster(set: (c: PgCluster) => void): void {
  let c: PgCluster | undefined;
  beforeAll(async () => {
    c = await startAuditedCluster();
    set(c);
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });
}

export const logDir = (c: PgCluster): string => join(c.dataDir, 'log');

/** Runs SQL in one direct psql session (one statement per line: psql sends each on its own). */
export function directSession(c: PgCluster, script: string): string {
  return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(c.port), '-U', 'postgres', '-d', 'postgres'], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: c.password },
  });
}

/** directSession without blocking the event loop (a reconciler in this process keeps running). */
export function directSessionAsync(c: PgCluster, script: string): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(c.port), '-U', 'postgres', '-d', 'postgres'], { env: { ...process.env, PGPASSWORD: c.password }, stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('close', resolve);
    p.stdin.end(script);
  });
}

/** A reconciler over `log` (strictly validated appends through the sequencer). */
export async function reconcilerFor(c: PgCluster, log: TestLog, hmacKey: Buffer, cursorFile: string, over: Partial<ReconcilerOptions> = {}): Promise<Reconciler> {
  const facts = await checkServerSettings(c.url);
  return new Reconciler({
    server: 'db',
    logDirectory: facts.logDirectory,
    cursorFile,
    hmacKey,
    log: log.storage,
    writer: { appendMany: async (es) => { const first = await log.sequencer.enqueue(es.map((e) => encodeEntry(e))); return es.map((_, i) => first + i); } },
    own: facts.own,
    pollMs: 50,
    ...over,
  });
}

/** Steps the reconciler until it has read everything written so far (bounded). */
export async function drain(r: Reconciler, quietRounds = 3): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < 400 && quiet < quietRounds; i++) {
    const n = await r.step();
    quiet = n === 0 ? quiet + 1 : 0;
    if (n === 0) await new Promise((res) => setTimeout(res, 100));
  }
}

// The reconciler's durable cursor: `ilog reconcile` killed with SIGKILL in the
// middle of a session and started again reports every statement exactly once;
// and a crash between appending entries and saving the cursor (the one window
// where work is done twice) produces no duplicate.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHmacKey } from '../../src/capture/pg/entries.js';
import { initLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { skipWithoutPg, type PgCluster } from '../helpers/pg-cluster.js';
import { TestLog, waitFor } from './fixture.js';
import { directSession, directSessionAsync, drain, reconcilerFor, useAuditedCluster } from './reconcile-fixture.js';

const skip = skipWithoutPg();

type Stmt = { id: number };
const statementKeys = (entries: Record<string, any>[]): string[] =>
  entries.filter((e) => e.kind === 'bypass.detected').flatMap((e) => (e.statements ?? []).map((s: Stmt) => `${e.backend.session}/${s.id}`));

function startReconcileCli(dir: string, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'reconcile', '--dir', dir, '--monitor', url, '--from', 'end', '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ilog reconcile did not start: ${out}`)), 60_000);
    child.stderr!.on('data', (d) => (out += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('"reconciling":true')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('close', (code) => reject(new Error(`ilog reconcile exited ${code}: ${out}`)));
  });
}

describe.skipIf(skip)('pgAudit reconciler restarts', () => {
  let c!: PgCluster;
  useAuditedCluster((x) => (c = x));

  it('kill -9 of `ilog reconcile` mid-stream, then a restart: no duplicate, no miss', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-kill-'));
    await initLog(dir, { origin: 'test.example/reconcile-kill' });
    const storage = SqliteLogStorage.open(dir);
    const entries = () => storage.readEntries(0, storage.size()).map((b) => JSON.parse(Buffer.from(b).toString('utf8')) as Record<string, any>);
    const first = await startReconcileCli(dir, c.url);
    const N = 600;
    const session = directSessionAsync(c, Array.from({ length: N }, (_, i) => (i % 3 ? `SELECT ${i} AS n;` : 'SELECT pg_sleep(0.01);')).join('\n') + '\n');
    // Bounds sized for a loaded CI machine (the other test worker competes for the 2 cores).
    await waitFor(() => statementKeys(entries()).length > 0, 1200, 50);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('close', r));
    const seenAtKill = statementKeys(entries()).length;
    expect(await session).toBe(0);
    const second = await startReconcileCli(dir, c.url);
    try {
      await waitFor(() => statementKeys(entries()).length >= N, 1200, 50);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('close', r));
    }
    expect(seenAtKill).toBeLessThan(N);
    const keys = statementKeys(entries());
    expect(keys).toHaveLength(N);
    expect(new Set(keys).size).toBe(N);
    expect(entries().filter((e) => e.kind === 'bypass.detected' && e.reason !== 'unowned-backend')).toEqual([]);
    storage.close();
  });

  it('a crash after the append but before the cursor was saved reports nothing twice', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-crash-'));
    const log = new TestLog(dir);
    const key = loadHmacKey(dir);
    const cursor = join(dir, 'cursor.json');
    const r1 = await reconcilerFor(c, log, key, cursor, { from: 'end' });
    await drain(r1, 1);
    directSession(c, 'SELECT 1;\nSELECT 2;\n');
    await drain(r1, 1);
    copyFileSync(cursor, `${cursor}.old`);
    directSession(c, 'SELECT 3;\nSELECT 4;\nSELECT 5;\n');
    await drain(r1);
    expect(statementKeys(log.entries())).toHaveLength(5);
    // The cursor as it was before the last batch: as if the process died right after appending it.
    copyFileSync(`${cursor}.old`, cursor);
    const r2 = await reconcilerFor(c, log, key, cursor);
    directSession(c, 'SELECT 6;\n');
    await drain(r2);
    const keys = statementKeys(log.entries());
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
  });
});

// The audited server's settings: a restart without pgAudit is raised by the
// running reconciler, and `ilog reconcile` refuses to start against it, naming
// the setting to change.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHmacKey } from '../../src/capture/pg/entries.js';
import { checkServerSettings } from '../../src/capture/pgaudit/server-settings.js';
import { initLog } from '../../src/log/appender-init.js';
import { jsonOf, runCli, startServe } from '../helpers/cli.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { PG_BIN, skipWithoutPg, type PgCluster } from '../helpers/pg-cluster.js';
import { TestLog, waitFor } from './fixture.js';
import { directSession, drain, reconcilerFor, useAuditedCluster } from './reconcile-fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pgAudit reconciler and the server settings', () => {
  let c!: PgCluster;
  useAuditedCluster((x) => (c = x));

  it('`ilog serve` with reconcile.json runs the reconciler', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-serve-'));
    await initLog(dir, { origin: 'test.example/reconcile-serve' });
    writeFileSync(join(dir, 'reconcile.json'), JSON.stringify({ monitor: c.url, server: 'db1', from: 'end' }));
    const serve = await startServe({ dir });
    try {
      directSession(c, 'SELECT 42 AS answer;\n');
      const storage = SqliteLogStorage.open(dir);
      const bypass = () => storage.readEntries(0, storage.size()).map((b) => JSON.parse(Buffer.from(b).toString('utf8'))).filter((e) => e.kind === 'bypass.detected');
      await waitFor(() => bypass().length > 0, 200, 100);
      expect(bypass()[0]).toMatchObject({ reason: 'unowned-backend', server: 'db1', statements: [expect.objectContaining({ text: 'SELECT $1 AS answer;' })] });
      storage.close();
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it('a server restarted without pgAudit is raised', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-restart-'));
    const log = new TestLog(dir);
    const r = await reconcilerFor(c, log, loadHmacKey(dir), join(dir, 'cursor.json'), { from: 'end', onRestart: async () => (await checkServerSettings(c.url)).own });
    await drain(r, 1);
    directSession(c, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';\n");
    execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), 'restart', '-m', 'fast', '-w', '-D', c.dataDir, '-l', join(c.socketDir, 'postgres.log')], { encoding: 'utf8' });
    await waitFor(async () => {
      await r.step();
      return log.entries().some((e) => e.kind === 'bypass.detected' && /after a server restart/.test(e.detail ?? ''));
    }, 100, 100);
    const settings = log.entries().filter((e) => e.kind === 'bypass.detected' && e.reason === 'audit-settings');
    expect(settings[0]).toMatchObject({ statements: [expect.objectContaining({ command: 'ALTER SYSTEM' })] });
    expect(settings.at(-1)!.detail).toMatch(/shared_preload_libraries must include 'pgaudit'/);
    // And `ilog reconcile` refuses to start against it, naming the setting.
    await expect(checkServerSettings(c.url)).rejects.toMatchObject({ code: 'PGAUDIT_SETTINGS' });
    const logDir = mkdtempSync(join(tmpdir(), 'ilog-rec-cli-'));
    await initLog(logDir, { origin: 'test.example/reconcile-cli' });
    const cli = await runCli(['reconcile', '--dir', logDir, '--monitor', c.url, '--json']);
    expect(cli.code).toBe(1);
    expect(jsonOf(cli)).toMatchObject({ ok: false, error: { code: 'PGAUDIT_SETTINGS' } });
    expect((await runCli(['reconcile', '--dir', logDir])).code).toBe(2);
  });
});

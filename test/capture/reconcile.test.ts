// The pgAudit reconciler against a real PostgreSQL 15 with pgAudit: direct
// sessions are raised, proxied statements are matched exactly, and its own
// restart, log rotation and settings changes lose nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAlerting } from '../../src/server/alerting.js';
import { loadHmacKey } from '../../src/capture/pg/entries.js';
import { Reconciler } from '../../src/capture/pgaudit/reconciler.js';
import { checkServerSettings } from '../../src/capture/pgaudit/server-settings.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { startReceiver } from '../alert/helpers/receiver.js';
import { PG_BIN, skipWithoutPg, type PgCluster } from '../helpers/pg-cluster.js';
import { TestLog, waitFor } from './fixture.js';
import { directSession, directSessionAsync, drain, logDir, reconcilerFor, useAuditedCluster } from './reconcile-fixture.js';
import { openBare } from '../alert/helpers/opened.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pgAudit reconciler', () => {
  let c!: PgCluster;
  useAuditedCluster((x) => (c = x));

  it('raises every statement of a direct superuser session, values only as HMACs', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-'));
    const log = new TestLog(dir);
    const key = loadHmacKey(dir);
    const r = await reconcilerFor(c, log, key, join(dir, 'cursor.json'));
    const lines = ['CREATE TABLE salaries (name text, amount int);'];
    for (let i = 0; i < 50; i++) lines.push(`INSERT INTO salaries VALUES ('person-${i}', ${1000 + i});`, `SELECT amount FROM salaries WHERE name = 'person-${i}';`);
    directSession(c, lines.join('\n') + '\n');
    await drain(r);
    const bypass = log.entries().filter((e) => e.kind === 'bypass.detected');
    const stmts = bypass.filter((e) => e.reason === 'unowned-backend').flatMap((e) => e.statements);
    expect(stmts.filter((s) => s.command === 'INSERT')).toHaveLength(50);
    expect(stmts.filter((s) => s.command === 'SELECT')).toHaveLength(50);
    expect(bypass.every((e) => e.user === 'postgres' && e.count === e.statements?.length)).toBe(true);
    const ids = stmts.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Normalised, values HMACed: no literal in clear.
    expect(JSON.stringify(bypass)).not.toContain('person-7');
    expect(stmts.find((s) => s.command === 'INSERT').text).toMatch(/\$1/);
    expect(stmts.find((s) => s.command === 'SELECT').objects).toEqual(['public.salaries']);
  });

  it('a direct statement raises a high alert delivered to the reviewers within 5 s', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-alert-'));
    await initLog(dir, { origin: 'test.example/reconcile' });
    const recv = await startReceiver();
    const hook = (n: string) => ({ webhook: { url: `${recv.url}/hook/${n}`, secret: 'test-webhook-secret-0123456789' } });
    writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers: { alice: hook('alice'), bob: hook('bob') }, groups: { security: { members: ['alice', 'bob'] } }, rules: [{ rule: ['bypass'], group: 'security' }], fallback: 'security', delivery: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 } }));
    const appender = await Appender.open(dir);
    const alerting = startAlerting({ dir, writer: appender, storage: appender.storage, tickMs: 50 });
    const facts = await checkServerSettings(c.url);
    const r = new Reconciler({ server: 'db', logDirectory: facts.logDirectory, cursorFile: join(dir, 'cursor.json'), hmacKey: loadHmacKey(dir), log: appender.storage, writer: { appendMany: (es) => appender.appendMany(es) }, own: facts.own, pollMs: 50, from: 'end' });
    r.start();
    try {
      await drain(r, 1);
      directSession(c, 'SELECT 1 AS direct_read;\n');
      // Bounded at 5 s: the delivery target.
      await waitFor(() => recv.received.filter((x) => x.status === 200).length >= 2, 100, 50);
      expect(recv.received.map((x) => x.path).sort()).toEqual(['/hook/alice', '/hook/bob']);
      // Alert bodies are sealed in the log (docs/alert.md): open them with the server's key.
      const entries = await openBare(dir, appender.storage.readEntries(0, appender.storage.size()).map((b) => JSON.parse(Buffer.from(b).toString('utf8'))));
      const raised = entries.find((e) => e.kind === 'alert.raised');
      expect(raised).toMatchObject({ rule: 'bypass', severity: 'high', subject: 'postgres' });
    } finally {
      await r.stop();
      await alerting.stop();
      await appender.close();
      await recv.stop();
    }
  });

  it('log rotation during traffic: every statement is read once', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-rot-'));
    const log = new TestLog(dir);
    const r = await reconcilerFor(c, log, loadHmacKey(dir), join(dir, 'cursor.json'), { from: 'end' });
    await drain(r, 1);
    const filesBefore = readdirSync(logDir(c)).filter((f) => f.endsWith('.csv')).length;
    r.start();
    // One session of N statements lasting a few seconds, rotated three times while it runs.
    const N = 400;
    const session = directSessionAsync(c, Array.from({ length: N }, (_, i) => (i % 2 ? `SELECT ${i} AS n;` : `SELECT pg_sleep(0.01);`)).join('\n') + '\n');
    for (let k = 0; k < 3; k++) {
      await new Promise((res) => setTimeout(res, 1100)); // log_filename has 1-second resolution
      execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), 'logrotate', '-D', c.dataDir]);
    }
    expect(await session).toBe(0);
    const ids = (): number[] => log.entries().filter((e) => e.kind === 'bypass.detected').flatMap((e) => (e.statements ?? []).map((s: { id: number }) => s.id));
    await waitFor(() => ids().length >= N, 200, 50);
    await new Promise((res) => setTimeout(res, 300));
    await r.stop();
    expect(readdirSync(logDir(c)).filter((f) => f.endsWith('.csv')).length).toBeGreaterThanOrEqual(filesBefore + 3);
    expect(log.entries().filter((e) => e.kind === 'bypass.detected' && e.reason !== 'unowned-backend')).toEqual([]);
    // pgAudit numbers the session's statements 1..N: none missing, none twice.
    expect(ids().sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it('ALTER SYSTEM SET pgaudit.log = none and a reload are raised', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-rec-set-'));
    const log = new TestLog(dir);
    const r = await reconcilerFor(c, log, loadHmacKey(dir), join(dir, 'cursor.json'), { from: 'end' });
    await drain(r, 1);
    try {
      directSession(c, "ALTER SYSTEM SET pgaudit.log = 'none';\nSELECT pg_reload_conf();\n");
      await waitFor(async () => {
        await r.step();
        return log.entries().some((e) => e.kind === 'bypass.detected' && e.reason === 'audit-settings' && /changed to "none"/.test(e.detail ?? ''));
      }, 100, 50);
      const settings = log.entries().filter((e) => e.kind === 'bypass.detected' && e.reason === 'audit-settings');
      expect(settings.map((e) => e.statements?.[0]?.command ?? 'server')).toEqual(['ALTER SYSTEM', 'server']);
      expect(settings[1]!.detail).toBe('parameter "pgaudit.log" changed to "none"');
    } finally {
      directSession(c, 'ALTER SYSTEM RESET pgaudit.log;\nSELECT pg_reload_conf();\n');
    }
  });
});

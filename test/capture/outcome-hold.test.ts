// Outcomes of statements that ran are not lost when the log cannot write
// (issue #12: a full disk dropped them with one line on stderr). They are held
// and written once the log accepts entries again; past the hold's bound the
// loss itself is recorded (`outcome.lost`: how many, which sessions and access
// indexes). First with a real SQLITE_FULL from the storage, then end to end
// through the proxy and PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomeEntry } from '../../src/capture/pg/entries.js';
import { OutcomeWriter } from '../../src/capture/pg/outcome-writer.js';
import { validateEntry } from '../../src/ledger/entry.js';
import { IlogError } from '../../src/ledger/errors.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, TestLog, waitFor, type Entry, type ProxyFixture } from './fixture.js';

const skip = skipWithoutPg();

describe('outcome entries on a full disk (SQLITE_FULL from the storage)', () => {
  it('are held while log.db cannot grow and all written once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-outcome-full-'));
    const log = new TestLog(dir);
    const reports: string[] = [];
    const writer = new OutcomeWriter(log, { retryMs: 20, report: (e) => reports.push(String(e)) });
    try {
      // 2,000 outcomes need more than the current 64 KiB pages of log.db.
      log.storage.simulateFullDisk(true);
      for (let i = 0; i < 2000; i++) writer.record(outcomeEntry({ access: i, session: 's1', status: 'ok', durationMs: 1 }));
      await waitFor(() => writer.backlog.held > 0);
      expect(writer.backlog.lost).toBe(0);
      log.storage.simulateFullDisk(false);
      // held drops to 0 when a retry takes the batch, before it is durable: wait for the recovery report.
      await waitFor(() => writer.backlog.held === 0 && reports.length === 2);
      const outcomes = log.entries().filter((e) => e.kind === 'outcome');
      expect(outcomes.map((e) => e.access).sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
      expect(reports.length).toBe(2); // the failure (once) and the recovery
    } finally {
      await writer.close();
      log.storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('beyond the hold, records the loss in one outcome.lost entry once the log writes again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-outcome-lost-'));
    const log = new TestLog(dir);
    const writer = new OutcomeWriter(log, { retryMs: 20, maxHeld: 5, report: () => {} });
    try {
      log.failWith = new IlogError('STORAGE_FULL', 'the disk holding log.db is full');
      for (let i = 0; i < 12; i++) writer.record(outcomeEntry({ access: 100 + i, session: i < 6 ? 'sa' : 'sb', status: 'ok', durationMs: 1 }));
      await waitFor(() => writer.backlog.lost === 7);
      expect(log.entries()).toEqual([]);
      log.failWith = undefined;
      await waitFor(() => writer.backlog.held === 0 && writer.backlog.lost === 0);
      const entries = log.entries();
      expect(entries.filter((e) => e.kind === 'outcome').map((e) => e.access)).toEqual([107, 108, 109, 110, 111]);
      const lost = entries.filter((e) => e.kind === 'outcome.lost');
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ count: 7, sessions: ['sa', 'sb'], access: [100, 101, 102, 103, 104, 105, 106] });
      const { index: _index, ...raw } = lost[0]!;
      expect(() => validateEntry(raw)).not.toThrow();
    } finally {
      await writer.close();
      log.storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(skip)('outcome entries through the proxy while the log cannot write them', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql('CREATE TABLE t (n int)');
    fx = await startProxy(cluster, { outcomeHold: { retryMs: 50 } });
    await fx.addUser('ann', 'postgres', 'ann-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
  });

  it('statements that ran get their outcome once the log recovers', async () => {
    const c = new pg.Client(fx.client('ann', 'ann-pw', { options: '-c ilog.purpose=TICKET-1' }));
    await c.connect();
    fx.log.failWith = new IlogError('STORAGE_FULL', 'the disk holding log.db is full');
    fx.log.failKind = 'outcome';
    for (let i = 0; i < 3; i++) await c.query(`INSERT INTO t VALUES (${i})`);
    expect(cluster.psql('SELECT count(*) FROM t')).toBe('3');
    const inserts = (): Entry[] => fx.log.entries().filter((e) => e.kind === 'access' && e.action === 'insert');
    expect(inserts()).toHaveLength(3);
    await waitFor(() => fx.proxy.outcomes.backlog.held === 3);
    expect(fx.log.entries().filter((e) => e.kind === 'outcome' && inserts().some((a) => a.index === e.access))).toEqual([]);
    fx.log.failWith = undefined;
    await waitFor(() => fx.proxy.outcomes.backlog.held === 0);
    const outcomes = fx.log.entries().filter((e) => e.kind === 'outcome');
    for (const a of inserts()) expect(outcomes.find((o) => o.access === a.index)).toMatchObject({ status: 'ok', command: 'INSERT 0 1' });
    await c.end();
  });
});

// Fail closed: a statement whose access entry cannot be made durable is
// refused with IL002 and never reaches PostgreSQL; the proxy recovers with the log.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IlogError } from '../../src/ledger/errors.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, type ProxyFixture } from './fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pg proxy fails closed', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let c: pg.Client;
  const count = () => Number(cluster.psql('SELECT count(*) FROM audit_me'));
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql('CREATE TABLE audit_me (id int)');
    fx = await startProxy(cluster, { logTimeoutMs: 300, busyTimeoutMs: 50 });
    await fx.addUser('carol', 'postgres', 'carol-pw');
    c = new pg.Client(fx.client('carol', 'carol-pw', { options: '-c ilog.purpose=T-20' }));
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await fx?.close();
    await cluster?.stop();
  });

  it('refuses with IL002 when the log rejects (pushback) and runs nothing upstream', async () => {
    fx.log.failWith = new IlogError('PUSHBACK', 'overloaded', { retryAfterMs: 100 });
    await expect(c.query('INSERT INTO audit_me VALUES (1)')).rejects.toMatchObject({ code: 'IL002' });
    await expect(c.query('INSERT INTO audit_me VALUES ($1)', [2])).rejects.toMatchObject({ code: 'IL002' });
    expect(count()).toBe(0);
    fx.log.failWith = undefined;
    await c.query('INSERT INTO audit_me VALUES (3)');
    expect(count()).toBe(1);
  });

  it('refuses with IL002 when the log does not answer within --log-timeout', async () => {
    fx.log.hang = true;
    await expect(c.query('INSERT INTO audit_me VALUES (4)')).rejects.toMatchObject({ code: 'IL002' });
    fx.log.hang = false;
    expect(count()).toBe(1);
    await c.query('INSERT INTO audit_me VALUES (5)');
    expect(count()).toBe(2);
  });

  it('refuses with IL002 while the log store is locked by another writer, then recovers', async () => {
    const other = new Database(join(fx.dir, 'log.db'));
    other.exec('BEGIN EXCLUSIVE');
    try {
      await expect(c.query('INSERT INTO audit_me VALUES (6)')).rejects.toMatchObject({ code: 'IL002' });
      // Extended protocol inside a pipeline: the refused Execute and the rest up to Sync are skipped.
      await expect(c.query('INSERT INTO audit_me VALUES ($1)', [7])).rejects.toMatchObject({ code: 'IL002' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(count()).toBe(2);
    await c.query('INSERT INTO audit_me VALUES ($1)', [8]);
    expect(count()).toBe(3);
    // Nothing that ran upstream lacks its access entry.
    const logged = fx.log.entries().filter((e) => e.kind === 'access' && e.action === 'insert').length;
    expect(logged).toBeGreaterThanOrEqual(3);
  });
});

// Exact matching of pgAudit records to the proxy's access entries: pgbench
// through the proxy raises nothing, a view read through the proxy gets the
// tables PostgreSQL really touched, and a backend whose pid and port an earlier
// proxy connection used is not mistaken for it.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacValue } from '../../src/capture/pg/entries.js';
import type { Reconciler } from '../../src/capture/pgaudit/reconciler.js';
import { skipWithoutPg, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, type ProxyFixture } from './fixture.js';
import { drain, reconcilerFor, startAuditedCluster } from './reconcile-fixture.js';

const run = promisify(execFile);
const skip = skipWithoutPg();

describe.skipIf(skip)('pgAudit reconciler and the proxy', () => {
  let c: PgCluster;
  let fx: ProxyFixture;
  let r: Reconciler;
  const env = (purpose: string) => ({ ...process.env, PGPASSWORD: 'bob-pw', PGHOST: '127.0.0.1', PGPORT: String(fx.port), PGUSER: 'bob', PGDATABASE: 'postgres', PGOPTIONS: `-c ilog.purpose=${purpose}` });
  const bypasses = () => fx.log.entries().filter((e) => e.kind === 'bypass.detected');

  beforeAll(async () => {
    c = await startAuditedCluster();
    await run('pgbench', ['-i', '-s', '1', '-q', '-h', '127.0.0.1', '-p', String(c.port), '-U', 'postgres', 'postgres'], { env: { ...process.env, PGPASSWORD: c.password } });
    c.psql('CREATE TABLE patients (id int, name text); CREATE VIEW patient_names AS SELECT name FROM patients; INSERT INTO patients VALUES (1, $$Ada$$)');
    fx = await startProxy(c);
    await fx.addUser('bob', 'postgres', 'bob-pw');
    // The set-up above ran directly: start reading after it.
    r = await reconcilerFor(c, fx.log, fx.hmacKey, join(fx.dir, 'cursor.json'), { from: 'end' });
    await r.step();
  }, 120_000);
  afterAll(async () => {
    await fx?.close();
    await c?.stop();
  });

  it('10,000 pgbench statements through the proxy: every audit record matched, zero bypass entries', { timeout: 120_000 }, async () => {
    // TPC-B: 7 statements a transaction; simple and prepared protocol.
    await run('pgbench', ['-n', '-c', '8', '-t', '125', '-M', 'simple', 'postgres'], { env: env('bench') });
    await run('pgbench', ['-n', '-c', '8', '-t', '54', '-M', 'prepared', 'postgres'], { env: env('bench') });
    const before = r.records;
    await drain(r);
    const access = fx.log.entries().filter((e) => e.kind === 'access' && e.upstream);
    expect(access.length).toBeGreaterThanOrEqual(10_024);
    // At least one audit record per statement (pgAudit logs one per relation).
    expect(r.records - before).toBeGreaterThanOrEqual(10_024);
    expect(bypasses()).toEqual([]);
    expect(fx.log.entries().filter((e) => e.kind === 'access.objects')).toEqual([]);
  });

  it('a view read through the proxy: the tables PostgreSQL read are recorded against the access entry', { timeout: 60_000 }, async () => {
    const cl = new pg.Client(fx.client('bob', 'bob-pw', { options: '-c ilog.purpose=T-1' }));
    await cl.connect();
    await cl.query('SELECT * FROM patient_names');
    await cl.end();
    await drain(r);
    const access = fx.log.entries().findLast((e) => e.kind === 'access' && e.relations?.includes('public.patient_names'))!;
    expect(access.relations).toEqual(['public.patient_names']);
    const objects = fx.log.entries().filter((e) => e.kind === 'access.objects');
    expect(objects).toEqual([expect.objectContaining({ access: access.index, objects: ['public.patient_names', 'public.patients'], server: 'db' })]);
    expect(bypasses()).toEqual([]);
  });

  it('an entry from an earlier connection with the same backend pid and port does not cover a direct backend', { timeout: 60_000 }, async () => {
    const sql = 'SELECT name FROM patients';
    const cl = new pg.Client({ host: '127.0.0.1', port: c.port, user: 'postgres', password: c.password, database: 'postgres' });
    await cl.connect();
    const pid = (cl as unknown as { processID: number }).processID;
    const port = (cl as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
    // What a proxy session that had this pid and port earlier left in the log: an entry for this very text.
    const earlier = new Date(Date.now() - 60_000).toISOString();
    await fx.log.append({ v: 1, kind: 'access', time: earlier, source: 'pg-proxy', person: 'bob', action: 'select', relations: ['public.patients'], upstream: { pid, port, seq: 1, query: hmacValue(fx.hmacKey, sql) } });
    await cl.query(sql);
    await cl.end();
    await drain(r);
    const raised = bypasses();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ reason: 'unowned-backend', user: 'postgres', count: 1, backend: { pid }, client: { port } });
    expect(raised[0]!.person).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { hmacValue } from '../../src/capture/pg/entries.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { cstr, int16, int32, message } from '../../src/capture/pg/protocol/messages.js';
import { outcomeOf, startProxy, waitFor, type ProxyFixture } from './fixture.js';
import { rawLogin } from './raw-client.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pg proxy: simple and extended protocol through node-postgres', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql("CREATE TABLE patients (id int primary key, name text, diagnosis text); INSERT INTO patients SELECT g, 'p' || g, 'd' || g FROM generate_series(1, 100) g;");
    fx = await startProxy(cluster);
    await fx.addUser('alice', 'postgres', 'alice-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
  });

  it('runs a simple query with a startup purpose and logs access + outcome with HMACed literals', async () => {
    const c = new pg.Client(fx.client('alice', 'alice-pw', { options: '-c ilog.purpose=T-1', application_name: 'test-app' }));
    await c.connect();
    const r = await c.query("SELECT name FROM patients WHERE id = 42 AND diagnosis <> 'secret-diag'");
    expect(r.rows).toEqual([{ name: 'p42' }]);
    await c.end();
    const entries = fx.log.entries();
    const access = entries.filter((e) => e.kind === 'access' && e.action === 'select');
    const a = access.find((e) => e.relations.includes('public.patients'))!;
    expect(a).toMatchObject({ person: 'alice', role: 'postgres', database: 'postgres', purpose: 'T-1', source: 'pg-proxy', client: { application: 'test-app' } });
    expect(a.statement.text).toBe('SELECT name FROM patients WHERE id = $1 AND diagnosis <> $2');
    expect(a.statement.values).toEqual([hmacValue(fx.hmacKey, '42'), hmacValue(fx.hmacKey, 'secret-diag')]);
    expect(JSON.stringify(entries)).not.toContain('secret-diag');
    // A read's entry is appended once its answer is in (held meanwhile), with that answer as its own outcome: one entry, no `outcome` entry.
    expect(a.outcome).toMatchObject({ status: 'ok', rows: 1, command: 'SELECT 1' });
    expect(entries.some((e) => e.kind === 'outcome' && e.access === a.index)).toBe(false);
  });

  it('refuses a data statement without purpose with IL001 and keeps the session usable', async () => {
    const c = new pg.Client(fx.client('alice', 'alice-pw'));
    await c.connect();
    await expect(c.query('SELECT * FROM patients')).rejects.toMatchObject({ code: 'IL001' });
    expect((await c.query('SELECT version()')).rows[0].version).toMatch(/PostgreSQL 15/);
    await c.query("SET ilog.purpose = 'T-2'");
    expect((await c.query('SHOW ilog.purpose')).rows).toEqual([{ 'ilog.purpose': 'T-2' }]);
    expect((await c.query('SELECT count(*)::int AS n FROM patients')).rows).toEqual([{ n: 100 }]);
    await c.query('RESET ilog.purpose');
    await expect(c.query('SELECT 1 FROM patients LIMIT 1')).rejects.toMatchObject({ code: 'IL001' });
    expect((await c.query('/* purpose: T-3 */ SELECT 1 AS one FROM patients LIMIT 1')).rows).toEqual([{ one: 1 }]);
    await c.end();
  });

  it('runs extended protocol with bind values (HMACed), prepared statements and errors', async () => {
    const c = new pg.Client(fx.client('alice', 'alice-pw', { options: '-c ilog.purpose=T-4' }));
    await c.connect();
    const q = { name: 'by-id', text: 'SELECT name FROM patients WHERE id = $1' };
    for (const id of [7, 8, 9]) expect((await c.query({ ...q, values: [id] })).rows).toEqual([{ name: `p${id}` }]);
    expect((await c.query('SELECT $1::text AS v', ['bind-secret'])).rows).toEqual([{ v: 'bind-secret' }]);
    await expect(c.query('SELECT * FROM no_such_table WHERE x = $1', [1])).rejects.toMatchObject({ code: '42P01' });
    expect((await c.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await c.end();
    const entries = fx.log.entries();
    expect(JSON.stringify(entries)).not.toContain('bind-secret');
    const byId = entries.filter((e) => e.kind === 'access' && e.statement?.text === 'SELECT name FROM patients WHERE id = $1');
    expect(byId.map((e) => e.statement.values[0])).toEqual(['7', '8', '9'].map((v) => hmacValue(fx.hmacKey, v)));
    const failed = fx.log.entries().find((e) => e.kind === 'access' && e.statement?.text?.includes('no_such_table'))!;
    expect(await waitFor(() => outcomeOf(fx.log.entries(), failed.index))).toMatchObject({ status: 'error', sqlstate: '42P01' });
  });

  it('runs transactions and multi-statement queries', async () => {
    const c = new pg.Client(fx.client('alice', 'alice-pw', { options: '-c ilog.purpose=T-5' }));
    await c.connect();
    await c.query('BEGIN');
    await c.query("UPDATE patients SET diagnosis = 'x' WHERE id = 1");
    await c.query('ROLLBACK');
    expect((await c.query('SELECT diagnosis FROM patients WHERE id = 1')).rows).toEqual([{ diagnosis: 'd1' }]);
    const multi = await c.query("INSERT INTO patients VALUES (1000, 'n', 'd'); SELECT name FROM patients WHERE id = 1000; DELETE FROM patients WHERE id = 1000");
    expect(Array.isArray(multi)).toBe(true);
    await c.end();
    const actions = fx.log.entries().filter((e) => e.kind === 'access').map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['insert', 'update', 'delete']));
  });

  it('logs pipelined Executes in order before forwarding; a refusal skips the rest up to Sync', async () => {
    cluster.psql('CREATE TABLE pipe (n int)');
    const conn = await rawLogin(fx.port, 'alice', 'alice-pw', '-c ilog.purpose=T-6');
    const bindExec = (portal: string, v: number) => Buffer.concat([message('B', cstr(portal), cstr('ins'), int16(0), int16(1), int32(String(v).length), String(v), int16(0)), message('E', cstr(portal), int32(0))]);
    conn.socket.write(Buffer.concat([message('P', cstr('ins'), cstr('INSERT INTO pipe VALUES ($1)'), int16(0)), ...[1, 2, 3, 4, 5].map((v) => bindExec('', v)), message('S')]));
    await waitFor(() => conn.received.some((m) => m.type === 'Z'));
    // Second pipeline: Execute of an unknown portal in the middle.
    conn.received.length = 0;
    conn.socket.write(Buffer.concat([bindExec('', 101), message('E', cstr('ghost'), int32(0)), bindExec('', 104), message('S')]));
    await waitFor(() => conn.received.some((m) => m.type === 'Z'));
    expect(conn.received.filter((m) => m.type === 'E')).toEqual([{ type: 'E', code: '34000' }]);
    conn.socket.end();
    // The refusal fails the batch's implicit transaction as PostgreSQL's own error would: 101 is rolled back.
    expect(cluster.psql('SELECT string_agg(n::text, \',\' ORDER BY n) FROM pipe')).toBe('1,2,3,4,5');
    const inserts = fx.log.entries().filter((e) => e.kind === 'access' && e.relations?.includes('public.pipe'));
    expect(inserts.map((e) => e.statement.values[0])).toEqual([1, 2, 3, 4, 5, 101, 104].map((v) => hmacValue(fx.hmacKey, String(v))));
    const skipped = inserts[6]!;
    expect(await waitFor(() => fx.log.entries().find((e) => e.kind === 'outcome' && e.access === skipped.index))).toMatchObject({ status: 'error' });
  });

  it('gives the same error for an unknown user and a wrong password', async () => {
    const errOf = async (user: string, pw: string) => {
      const c = new pg.Client(fx.client(user, pw));
      try {
        await c.connect();
        return undefined;
      } catch (e) {
        return { code: (e as any).code, message: (e as Error).message.replace(user, 'U') };
      }
    };
    const wrong = await errOf('alice', 'nope');
    const unknown = await errOf('mallory', 'nope');
    expect(wrong).toEqual({ code: '28P01', message: 'password authentication failed for user "U"' });
    expect(unknown).toEqual(wrong);
  });
});

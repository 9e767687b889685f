// Issue 9, "Data without a purpose": each loophole, tried through the proxy
// against a real PostgreSQL 15, now asks for a purpose; psql's catalog commands
// and drivers' start-up queries stay purpose-free.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { cstr, message } from '../../src/capture/pg/protocol/messages.js';
import { startProxy, waitFor, type ProxyFixture } from './fixture.js';
import { rawLogin } from './raw-client.js';

const skip = skipWithoutPg();

function psql(port: number, sql: string, extra: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PGPASSWORD: 'mallory-pw', PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'mallory', PGDATABASE: 'postgres', ...extra };
    const p = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe.skipIf(skip)('purpose decided on the objects PostgreSQL resolves in the session', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let c: pg.Client;
  const noPurpose = async (sql: string | pg.QueryConfig): Promise<string | undefined> => {
    try {
      await c.query(sql);
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql(`CREATE TABLE patients (id int primary key, name text, diagnosis text);
      INSERT INTO patients SELECT g, 'patient-' || g, 'diag-' || g FROM generate_series(1, 50) g;
      CREATE TABLE salaries (name text, salary int); INSERT INTO salaries VALUES ('ann', 91000);
      ANALYZE patients; CREATE SCHEMA scratch;
      CREATE VIEW scratch.pg_helper AS SELECT * FROM patients;
      CREATE FUNCTION scratch.version() RETURNS text LANGUAGE sql AS 'SELECT string_agg(name || ''='' || salary, '','') FROM salaries';
      CREATE FUNCTION scratch.current_setting(varchar) RETURNS text LANGUAGE sql AS 'SELECT string_agg(name, '','') FROM patients';`);
    fx = await startProxy(cluster);
    await fx.addUser('mallory', 'postgres', 'mallory-pw');
    c = new pg.Client(fx.client('mallory', 'mallory-pw'));
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await fx?.close();
    await cluster?.stop();
  });

  it('a view named pg_* in another schema needs a purpose and is logged under its real schema', async () => {
    await c.query('SET search_path = scratch');
    expect(await noPurpose('SELECT * FROM pg_helper')).toBe('IL001');
    await c.query("SET ilog.purpose = 'T-1 audit'");
    expect((await c.query('SELECT name FROM pg_helper WHERE id = 1')).rows).toEqual([{ name: 'patient-1' }]);
    const read = fx.log.entries().filter((e) => e.kind === 'access' && e.statement?.text?.includes('pg_helper')).at(-1)!;
    expect(read.relations).toEqual(['scratch.pg_helper']);
    expect(read.unresolved).toBeUndefined();
    await c.query('RESET ilog.purpose');
    await c.query('RESET search_path');
  });

  it('a view that shadows an allowed catalog name needs a purpose: the backend is asked, and that question is logged', async () => {
    cluster.psql('CREATE OR REPLACE VIEW scratch.pg_roles AS SELECT * FROM patients');
    await c.query('SET search_path = scratch, pg_catalog');
    const before = fx.log.entries().length;
    expect(await noPurpose('SELECT * FROM pg_roles')).toBe('IL001');
    const probe = fx.log.entries().slice(before).find((e) => e.kind === 'access' && e.by === 'proxy')!;
    expect(probe).toMatchObject({ person: 'mallory', action: 'select', relations: expect.arrayContaining(['pg_catalog.pg_class']) });
    expect(fx.log.entries().find((e) => e.kind === 'outcome' && e.access === probe.index)).toMatchObject({ status: 'ok', rows: 1 });
    await c.query('RESET search_path');
    expect(await noPurpose('SELECT rolname FROM pg_roles')).toBeUndefined();
  });

  it('a user function that shadows a built-in needs a purpose (earlier on the path, or a better-matching overload)', async () => {
    await c.query('SET search_path = scratch, pg_catalog');
    expect(await noPurpose('SELECT version()')).toBe('IL001');
    await c.query('SET search_path = public, scratch');
    // pg_catalog is searched first, but scratch.current_setting(varchar) is a better match for a varchar argument.
    expect(await noPurpose("SELECT current_setting('x'::varchar)")).toBe('IL001');
    await c.query('RESET search_path');
    expect((await c.query('SELECT version()')).rows[0].version).toMatch(/PostgreSQL 15/);
  });

  it('a temporary table named like a catalog needs a purpose (pg_temp is searched first)', async () => {
    await c.query("/* purpose: T-2 */ CREATE TEMP TABLE pg_am AS SELECT * FROM patients");
    expect(await noPurpose('SELECT * FROM pg_am')).toBe('IL001');
    expect((await c.query('SELECT count(*)::int AS n FROM pg_catalog.pg_am')).rows[0].n).toBeGreaterThan(0);
    await c.query('DISCARD TEMP');
    expect((await c.query('SELECT count(*)::int AS n FROM pg_am')).rows[0].n).toBeGreaterThan(0);
  });

  it('in one Query, a catalog read after a statement that changes the session is not resolved ahead of it: purpose needed', async () => {
    expect(await noPurpose('SET search_path = scratch, pg_catalog; SELECT * FROM pg_roles')).toBe('IL001');
    await c.query('RESET search_path');
    expect(await noPurpose('SELECT 1; SELECT rolname FROM pg_roles')).toBeUndefined();
  });

  it('pipelined statements keep their log order when one of them is resolved on the backend', async () => {
    const conn = await rawLogin(fx.port, 'mallory', 'mallory-pw');
    const before = fx.log.entries().length;
    // Both Queries arrive together; the first is resolved on the backend, the second needs no resolution.
    conn.socket.write(Buffer.concat([message('Q', cstr('SELECT rolname AS first FROM pg_roles LIMIT 1')), message('Q', cstr('/* purpose: T-9 */ SELECT name AS second FROM patients LIMIT 1'))]));
    await waitFor(() => conn.received.filter((m) => m.type === 'Z').length === 2);
    conn.socket.end();
    expect(conn.received.filter((m) => m.type === 'E')).toEqual([]);
    const texts = fx.log.entries().slice(before).filter((e) => e.kind === 'access' && e.by === undefined).map((e) => e.statement.text as string);
    expect(texts.findIndex((t) => t.includes('first'))).toBeLessThan(texts.findIndex((t) => t.includes('second')));
  });

  it('over the extended protocol too: the question is asked inside the client\'s batch, and a refusal leaves the session usable', async () => {
    expect((await c.query({ text: 'SELECT typname FROM pg_type WHERE oid = $1', values: [23] })).rows).toEqual([{ typname: 'int4' }]);
    cluster.psql('CREATE OR REPLACE VIEW scratch.pg_roles AS SELECT * FROM patients');
    await c.query('SET search_path = scratch, pg_catalog');
    expect(await noPurpose({ text: 'SELECT * FROM pg_roles WHERE $1::int = 1', values: [1] })).toBe('IL001');
    // A batch whose Parse fails upstream (no such column in the shadowing view): PostgreSQL's error, nothing else.
    expect(await noPurpose({ text: 'SELECT rolname FROM pg_roles WHERE $1::int = 1', values: [1] })).toBe('42703');
    await c.query('RESET search_path');
    expect((await c.query({ text: 'SELECT rolname FROM pg_roles WHERE rolname = $1', values: ['postgres'] })).rows).toEqual([{ rolname: 'postgres' }]);
  });

  it('data-bearing catalogs and functions need a purpose', async () => {
    for (const sql of [
      'SELECT histogram_bounds FROM pg_stats',
      'SELECT * FROM pg_catalog.pg_stats',
      'SELECT * FROM pg_statistic',
      'SELECT query FROM pg_stat_activity',
      'SELECT * FROM pg_stat_get_activity(NULL)',
      'SELECT rolpassword FROM pg_authid',
      'SELECT * FROM pg_shadow',
      'SELECT * FROM pg_user_mappings',
      'SELECT * FROM pg_largeobject',
      'SELECT lo_get(1)',
      "SELECT pg_read_file('/etc/passwd')",
      "SELECT query_to_xml('select * from patients', true, false, '')",
      "SELECT table_to_xml('patients', true, false, '')",
      "SELECT set_config('search_path', 'scratch', false)",
      'SELECT c.relname FROM pg_class c JOIN patients p ON true',
    ]) expect([sql, await noPurpose(sql)]).toEqual([sql, 'IL001']);
  });

  it('psql catalog commands and driver start-up queries stay purpose-free (real psql)', async () => {
    for (const cmd of ['\\d', '\\dt', '\\l', '\\dn', '\\d patients', '\\du']) {
      const r = await psql(fx.port, cmd);
      expect([cmd, r.status, r.stderr]).toEqual([cmd, 0, '']);
    }
    const r = await psql(fx.port, '\\d patients');
    expect(r.stdout).toContain('patients_pkey');
    for (const sql of ['SELECT version()', 'SHOW server_version', 'SET extra_float_digits = 3', 'SELECT current_schema()', 'SELECT 1']) {
      expect([sql, await noPurpose(sql)]).toEqual([sql, undefined]);
    }
  });
});

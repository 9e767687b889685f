// Issue 9, "Entries that misname what ran": DO bodies, SQL string arguments,
// writable CTEs and search_path, through the proxy against a real PostgreSQL 15.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, type Entry, type ProxyFixture } from './fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('access entries name what really ran', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  const last = (text: string): Entry => fx.log.entries().filter((e) => e.kind === 'access' && e.statement?.text?.includes(text)).at(-1)!;
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql(`CREATE TABLE patients (id int, name text); INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 10) g;
      CREATE SCHEMA hr; CREATE TABLE hr.patients (id int, salary int); INSERT INTO hr.patients VALUES (1, 5000);`);
    fx = await startProxy(cluster);
    await fx.addUser('eve', 'postgres', 'eve-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
  });

  it('DO with a DELETE is a delete of the tables its body names, with the body logged normalised', async () => {
    const c = new pg.Client(fx.client('eve', 'eve-pw', { options: '-c ilog.purpose=T-1' }));
    await c.connect();
    await c.query("DO $$ BEGIN DELETE FROM patients WHERE name = 'p10'; PERFORM 1 FROM hr.patients; END $$");
    await c.end();
    const e = last('DO $1');
    expect(e.action).toBe('delete');
    expect(e.relations).toEqual(['hr.patients', 'public.patients']);
    expect(e.statement.body.text).toContain('DELETE FROM patients WHERE name = $1');
    expect(JSON.stringify(e)).not.toContain("'p10'");
  });

  it('query_to_xml and friends: the SQL argument is parsed, its tables logged; a writable CTE is logged as its write', async () => {
    const c = new pg.Client(fx.client('eve', 'eve-pw', { options: '-c ilog.purpose=T-2' }));
    await c.connect();
    await c.query("SELECT query_to_xml('select * from hr.patients', true, false, '')");
    await c.query('WITH gone AS (DELETE FROM patients WHERE id = 9 RETURNING *) SELECT count(*) FROM gone');
    await c.end();
    const x = last('query_to_xml');
    expect(x.relations).toEqual(['hr.patients']);
    expect(x.statement.body.text).toBe('select * from hr.patients');
    expect(last('WITH gone AS').action).toBe('delete');
  });

  it('EXECUTE of a SQL-level prepared statement is logged as what it runs and needs a purpose; CALL is marked opaque', async () => {
    cluster.psql("CREATE PROCEDURE wipe() LANGUAGE sql AS 'DELETE FROM patients WHERE id = 8'");
    const c = new pg.Client(fx.client('eve', 'eve-pw'));
    await c.connect();
    await c.query('PREPARE gone AS DELETE FROM patients WHERE id = 7');
    await expect(c.query('EXECUTE gone')).rejects.toMatchObject({ code: 'IL001' });
    await c.query("SET ilog.purpose = 'T-5'");
    await c.query('EXECUTE gone');
    const e = last('EXECUTE gone');
    expect(e).toMatchObject({ action: 'delete', relations: ['public.patients'] });
    await c.query('CALL wipe()');
    expect(last('CALL wipe()').statement.body).toMatchObject({ opaque: true });
    await c.end();
  });

  it('after SET search_path = hr, or with options=-c search_path=hr, patients is logged as hr.patients', async () => {
    const c = new pg.Client(fx.client('eve', 'eve-pw', { options: '-c ilog.purpose=T-3' }));
    await c.connect();
    await c.query('SET search_path = hr');
    expect((await c.query('SELECT salary FROM patients')).rows).toEqual([{ salary: 5000 }]);
    const e = last('SELECT salary FROM patients');
    expect(e.relations).toEqual(['hr.patients']);
    expect(e.unresolved).toBeUndefined();
    // A rolled-back SET is undone, as in PostgreSQL.
    await c.query('BEGIN');
    await c.query('SET search_path = public');
    await c.query('ROLLBACK');
    await c.query('SELECT salary AS s2 FROM patients');
    expect(last('SELECT salary AS s2').relations).toEqual(['hr.patients']);
    await c.end();
    const d = new pg.Client(fx.client('eve', 'eve-pw', { options: '-c ilog.purpose=T-4 -c search_path=hr' }));
    await d.connect();
    expect((await d.query('SELECT salary AS s3 FROM patients')).rows).toEqual([{ s3: 5000 }]);
    expect(last('SELECT salary AS s3').relations).toEqual(['hr.patients']);
    // Where the proxy cannot know (set_config() changed the path), it says so rather than guess.
    await d.query("SELECT set_config('search_path', 'public', false)");
    await d.query('SELECT name AS s4 FROM patients LIMIT 1');
    const u = last('SELECT name AS s4');
    expect(u.unresolved).toEqual(u.relations);
    await d.end();
  });
});

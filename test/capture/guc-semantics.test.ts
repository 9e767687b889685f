// Issue 12, "Proxy semantics" and refusals inside a transaction: ilog.purpose
// follows PostgreSQL's GUC rules, one purpose length limit everywhere, stable
// decoy salts, and a refusal fails the upstream transaction as an error would.
import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameReader } from '../../src/capture/pg/protocol/frames.js';
import { cstr, int32, message, startupPacket } from '../../src/capture/pg/protocol/messages.js';
import { MAX_PURPOSE } from '../../src/capture/pg/purpose.js';
import { ProxyServer } from '../../src/capture/pg/server.js';
import { parseUpstreamUrl } from '../../src/capture/pg/upstream.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, type ProxyFixture } from './fixture.js';

const skip = skipWithoutPg();

/** The SCRAM salt the proxy on `port` hands out for `user` (server-first-message). */
function saltFor(port: number, user: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const frames = new FrameReader();
    s.on('error', reject);
    s.on('data', (chunk) => {
      frames.push(chunk);
      for (let f = frames.next(); f; f = frames.next()) {
        const code = f.body.readInt32BE(0);
        if (code === 10) {
          const first = Buffer.from('n,,n=*,r=abcdefghijklmnop');
          s.write(message('p', cstr('SCRAM-SHA-256'), int32(first.length), first));
        } else if (code === 11) {
          resolve(/s=([^,]+)/.exec(f.body.subarray(4).toString())![1]!);
          s.destroy();
        }
      }
    });
    s.write(startupPacket({ user, database: 'postgres' }));
  });
}

describe.skipIf(skip)('proxy GUC semantics, purpose limits and refusals inside transactions', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let c: pg.Client;
  const code = async (sql: string | pg.QueryConfig): Promise<string | undefined> => {
    try {
      await c.query(sql);
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  const shown = async (): Promise<string | null> => (await c.query('SHOW ilog.purpose')).rows[0]['ilog.purpose'];
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql('CREATE TABLE patients (id int, name text); INSERT INTO patients VALUES (1, \'a\'); CREATE TABLE notes (t text)');
    fx = await startProxy(cluster);
    await fx.addUser('bob', 'postgres', 'bob-pw');
    c = new pg.Client(fx.client('bob', 'bob-pw'));
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await fx?.close();
    await cluster?.stop();
  });

  it('SET LOCAL ilog.purpose ends at COMMIT and at ROLLBACK; outside a transaction it has no effect', async () => {
    await c.query('BEGIN');
    await c.query("SET LOCAL ilog.purpose = 'T-1'");
    expect(await code('SELECT * FROM patients')).toBeUndefined();
    await c.query('COMMIT');
    expect(await shown()).toBeNull();
    expect(await code('SELECT * FROM patients')).toBe('IL001');
    await c.query("SET LOCAL ilog.purpose = 'T-1'");
    expect(await shown()).toBeNull();
  });

  it('a SET inside a rolled-back transaction, or rolled back to a savepoint, is undone; RELEASE keeps it', async () => {
    await c.query('BEGIN');
    await c.query("SET ilog.purpose = 'T-2'");
    await c.query('ROLLBACK');
    expect(await shown()).toBeNull();
    await c.query('BEGIN');
    await c.query('SAVEPOINT a');
    await c.query("SET ilog.purpose = 'T-3'");
    await c.query('ROLLBACK TO SAVEPOINT a');
    expect(await shown()).toBeNull();
    await c.query('SAVEPOINT b');
    await c.query("SET ilog.purpose = 'T-4'");
    await c.query('RELEASE SAVEPOINT b');
    await c.query('COMMIT');
    expect(await shown()).toBe('T-4');
  });

  it('RESET ALL and DISCARD ALL clear the purpose', async () => {
    await c.query("SET ilog.purpose = 'T-5'");
    await c.query('RESET ALL');
    expect(await shown()).toBeNull();
    await c.query("SET ilog.purpose = 'T-6'");
    await c.query('DISCARD ALL');
    expect(await shown()).toBeNull();
    expect(await code('SELECT * FROM patients')).toBe('IL001');
  });

  it('a refusal inside a transaction fails it upstream: later statements get 25P02 and COMMIT rolls back', async () => {
    await c.query('BEGIN');
    await c.query("/* purpose: T-7 */ INSERT INTO notes VALUES ('kept?')");
    expect(await code('SELECT * FROM patients')).toBe('IL001');
    expect(await code("/* purpose: T-7 */ SELECT * FROM patients")).toBe('25P02');
    expect(await code("SET ilog.purpose = 'T-7b'")).toBe('25P02');
    const r = await c.query('COMMIT');
    expect(r.command).toBe('ROLLBACK');
    expect(cluster.psql('SELECT count(*) FROM notes')).toBe('0');
    // Extended protocol, and a savepoint recovers, as after a PostgreSQL error.
    await c.query('BEGIN');
    await c.query('SAVEPOINT s');
    expect(await code({ text: 'SELECT * FROM patients WHERE id = $1', values: [1] })).toBe('IL001');
    await c.query('ROLLBACK TO SAVEPOINT s');
    await c.query({ text: "/* purpose: T-8 */ INSERT INTO notes VALUES ($1)", values: ['kept'] });
    await c.query('COMMIT');
    expect(cluster.psql('SELECT string_agg(t, \',\') FROM notes')).toBe('kept');
  });

  it('one purpose length limit everywhere (IL005); an empty purpose gets a clear IL004', async () => {
    const long = 'x'.repeat(MAX_PURPOSE + 1);
    expect(await code(`SET ilog.purpose = '${long}'`)).toBe('IL005');
    expect(await code(`/* purpose: ${long} */ SELECT * FROM patients`)).toBe('IL005');
    expect(await code("SET ilog.purpose = ''")).toBe('IL004');
    expect(await code(`SET ilog.purpose = '${'y'.repeat(MAX_PURPOSE)}'`)).toBeUndefined();
    await c.query('RESET ilog.purpose');
    const d = new pg.Client(fx.client('bob', 'bob-pw', { options: `-c ilog.purpose=${'z'.repeat(10 * 1024)}` }));
    await expect(d.connect()).rejects.toMatchObject({ code: 'IL005' });
  });

  it('SCRAM salts for unknown persons are the same after a restart (derived from the persisted key)', async () => {
    const before = await saltFor(fx.port, 'nobody');
    expect(await saltFor(fx.port, 'nobody')).toBe(before);
    const up = parseUpstreamUrl(cluster.url);
    const restarted = new ProxyServer({ log: fx.log, users: fx.directory, locks: fx.locks, upstream: up.target, credentials: () => up.credentials, hmacKey: fx.hmacKey, onError: () => {} });
    const { port } = await restarted.listen(0);
    try {
      expect(await saltFor(port, 'nobody')).toBe(before);
      expect(await saltFor(port, 'somebody-else')).not.toBe(before);
    } finally {
      await restarted.close();
    }
  });
});

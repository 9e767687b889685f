// Locks: a lock entry ends the person's live sessions (FATAL IL003, upstream
// backend gone) and refuses new logins; unlocking lets them back in.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, waitFor, type ProxyFixture } from './fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pg proxy locks', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  beforeAll(async () => {
    cluster = await startPgCluster();
    fx = await startProxy(cluster);
    await fx.addUser('dave', 'postgres', 'dave-pw');
    await fx.addUser('erin', 'postgres', 'erin-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
  });

  it('ends a live psql session and its upstream backend, leaves others alone', async () => {
    const psql = spawn('psql', ['-X', '-h', '127.0.0.1', '-p', String(fx.port), '-U', 'dave', 'postgres'], {
      env: { ...process.env, PGPASSWORD: 'dave-pw', PGAPPNAME: 'dave-psql', PGOPTIONS: '-c ilog.purpose=T-30' },
    });
    let out = '';
    psql.stdout.on('data', (d) => (out += d));
    psql.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => psql.on('close', r));
    psql.stdin.write('SELECT 40 + 2 AS answer;\n');
    await waitFor(() => out.includes('42'));
    const erin = new pg.Client(fx.client('erin', 'erin-pw'));
    await erin.connect();
    await waitFor(() => cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dave-psql'") === '1');

    await fx.lock('dave', 'investigation 7');
    // The proxy closed the client socket; the next statement psql sends finds it gone.
    psql.stdin.write('SELECT 1;\n');
    psql.stdin.end();
    await exited;
    expect(out).toMatch(/access is locked for this person: investigation 7|server closed the connection|connection to server was lost/);
    await waitFor(() => cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dave-psql'") === '0');
    expect((await erin.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await erin.end();

    const again = new pg.Client(fx.client('dave', 'dave-pw'));
    await expect(again.connect()).rejects.toMatchObject({ code: 'IL003' });
    await fx.unlock('dave');
    const back = new pg.Client(fx.client('dave', 'dave-pw'));
    await back.connect();
    expect((await back.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await back.end();
  });

  it('sends FATAL IL003 to a connected node-postgres client', async () => {
    const c = new pg.Client(fx.client('erin', 'erin-pw'));
    const errors: any[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    const ended = new Promise<void>((r) => c.on('end', () => r()));
    await fx.lock('erin');
    await ended;
    expect(errors[0]).toMatchObject({ code: 'IL003' });
    await fx.unlock('erin');
  });
});

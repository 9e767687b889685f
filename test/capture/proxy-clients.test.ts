// Real clients through the proxy: psql (incl. COPY), pgbench, cancel, notices.
import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelPacket } from '../../src/capture/pg/protocol/messages.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, waitFor, type ProxyFixture } from './fixture.js';

const run = promisify(execFile);

/** Runs a command without blocking the event loop (the proxy lives in this process). */
function runWithInput(cmd: string, args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
    p.stdin.end(input);
  });
}
const skip = skipWithoutPg();

describe.skipIf(skip)('pg proxy with psql, pgbench, cancel and notices', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  const env = (purpose?: string) => ({ ...process.env, PGPASSWORD: 'bob-pw', PGHOST: '127.0.0.1', PGPORT: String(fx.port), PGUSER: 'bob', PGDATABASE: 'postgres', ...(purpose ? { PGOPTIONS: `-c ilog.purpose=${purpose}` } : {}) });
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql('CREATE TABLE items (id int, label text)');
    fx = await startProxy(cluster);
    await fx.addUser('bob', 'postgres', 'bob-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
  });

  it('psql: queries, COPY FROM STDIN and COPY TO STDOUT', async () => {
    const copyIn = await runWithInput('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-c', 'COPY items FROM STDIN'], env('T-10'), '1\tone\n2\ttwo\n3\tthree\n');
    expect(copyIn.stderr).toBe('');
    expect(copyIn.stdout.trim()).toBe('COPY 3');
    const out = await run('psql', ['-X', '-A', '-t', '-c', 'COPY (SELECT * FROM items ORDER BY id) TO STDOUT'], { env: env('T-10') });
    expect(out.stdout).toBe('1\tone\n2\ttwo\n3\tthree\n');
    const q = await run('psql', ['-X', '-A', '-t', '-c', 'SELECT count(*) FROM items'], { env: env('T-10') });
    expect(q.stdout.trim()).toBe('3');
    const entries = fx.log.entries();
    expect(entries.filter((e) => e.kind === 'access').map((e) => e.action)).toEqual(expect.arrayContaining(['copy_in', 'copy_out']));
    const copy = entries.find((e) => e.kind === 'access' && e.action === 'copy_in')!;
    expect(await waitFor(() => fx.log.entries().find((e) => e.kind === 'outcome' && e.access === copy.index))).toMatchObject({ status: 'ok', rows: 3 });
  });

  it('psql without a purpose gets IL001 with a hint saying how to give one', async () => {
    const r = await runWithInput('psql', ['-X', '-v', 'VERBOSITY=verbose', '-c', 'SELECT * FROM items'], env());
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('IL001');
    expect(r.stderr).toContain('ilog.purpose');
  });

  it('pgbench runs through the proxy in simple and prepared mode', async () => {
    await run('pgbench', ['-i', '-s', '1', '-q', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres'], { env: { ...process.env, PGPASSWORD: cluster.password } });
    for (const mode of ['simple', 'prepared']) {
      const r = await run('pgbench', ['-n', '-S', '-t', '50', '-c', '2', '-M', mode, 'postgres'], { env: env('bench') });
      expect(r.stdout).toMatch(/number of transactions actually processed: 100\/100/);
    }
    expect(fx.log.entries().filter((e) => e.kind === 'access' && e.relations?.includes('public.pgbench_accounts')).length).toBeGreaterThanOrEqual(200);
  });

  it('cancels a running query through the proxy key', async () => {
    const c = new pg.Client(fx.client('bob', 'bob-pw', { options: '-c ilog.purpose=T-11' }));
    await c.connect();
    const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
    const q = c.query('SELECT pg_sleep(30)');
    await waitFor(() => cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'") === '1');
    const s = connect({ host: '127.0.0.1', port: fx.port }, () => s.end(cancelPacket(processID, secretKey)));
    await expect(q).rejects.toMatchObject({ code: '57014' });
    expect((await c.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await c.end();
  });

  it('passes notices and errors through', async () => {
    const c = new pg.Client(fx.client('bob', 'bob-pw', { options: '-c ilog.purpose=T-12' }));
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    await c.connect();
    await c.query("DO $$ BEGIN RAISE NOTICE 'hello from upstream'; END $$");
    await expect(c.query("DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = 'P0001'; END $$")).rejects.toMatchObject({ code: 'P0001', message: 'boom' });
    await c.end();
    expect(notices).toContain('hello from upstream');
  });
});

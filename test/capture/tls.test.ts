// TLS toward clients: psql with sslmode=require connects through the proxy
// (SSLRequest answered 'S', handshake, then start-up inside TLS).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { parseUpstreamUrl } from '../../src/capture/pg/upstream.js';
import pg from 'pg';
import { startProxy, type ProxyFixture } from './fixture.js';

const skip = skipWithoutPg();

function psql(port: number, sslmode: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('psql', ['-X', '-A', '-t', '-c', 'SHOW ilog.purpose', `host=127.0.0.1 port=${port} user=tina dbname=postgres sslmode=${sslmode}`], {
      env: { ...process.env, PGPASSWORD: 'tina-pw', PGOPTIONS: '-c ilog.purpose=T-50' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(skip)('pg proxy TLS', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    // The cluster serves TLS too, so the proxy's upstream leg can be checked (sslmode=require).
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    for (const f of ['', 'key.pem', 'cert.pem']) chownSync(join(dir, f), uid, gid);
    chmodSync(join(dir, 'key.pem'), 0o600);
    cluster = await startPgCluster({ conf: ['ssl = on', `ssl_cert_file = '${join(dir, 'cert.pem')}'`, `ssl_key_file = '${join(dir, 'key.pem')}'`] });
    fx = await startProxy(cluster, { upstream: { ...parseUpstreamUrl(cluster.url).target, sslmode: 'require' }, tls: createSecureContext({ cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) }) });
    await fx.addUser('tina', 'postgres', 'tina-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts sslmode=require and still serves plain connections', async () => {
    expect(await psql(fx.port, 'require')).toEqual({ code: 0, out: 'T-50\n' });
    expect(await psql(fx.port, 'disable')).toEqual({ code: 0, out: 'T-50\n' });
  });

  it('speaks TLS to the upstream with sslmode=require', async () => {
    const c = new pg.Client(fx.client('tina', 'tina-pw'));
    await c.connect();
    // pg_stat_* views are not on the allow-list (they show other sessions): a purpose is needed.
    expect((await c.query('/* purpose: T-51 */ SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows).toEqual([{ ssl: true }]);
    await c.end();
  });
});

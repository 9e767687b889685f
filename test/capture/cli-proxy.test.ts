// The proxy as shipped: `ilog init` (a 1-of-1 governed log whose admin key sits
// beside the data directory), `ilog user add|list|remove` (signed person
// proposals), `ilog proxy` in its own process, psql through it, and `ilog lock`
// from another process ending a live psql session.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runCli, startServe, type ServeHandle } from '../helpers/cli.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { outcomeOf, waitFor } from './fixture.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('ilog proxy / user / lock commands', () => {
  let cluster: PgCluster;
  let dir: string;
  let proxy: ServeHandle;
  let port: number;
  const entries = () => {
    const db = new Database(join(dir, 'log.db'), { readonly: true });
    try {
      return (db.prepare('SELECT data FROM entries ORDER BY idx').pluck().all() as Buffer[]).map((b) => JSON.parse(b.toString('utf8')));
    } finally {
      db.close();
    }
  };
  beforeAll(async () => {
    cluster = await startPgCluster();
    dir = mkdtempSync(join(tmpdir(), 'ilog-cli-proxy-'));
    expect((await runCli(['init', '--origin', 'test.example/proxy'], { dir })).code).toBe(0);
    const add = await runCli(['user', 'add', 'frank', '--upstream-role', 'postgres', '--password-stdin', '--json'], { dir, input: 'frank-password\n' });
    expect(add.code).toBe(0);
    proxy = await startServe({ dir, command: 'proxy', args: ['--upstream', cluster.url] });
    port = Number(/:(\d+)$/.exec(proxy.url)![1]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}.admin.key`, { force: true });
  });

  it('user add logs a commitment, never the verifier; list and remove work', async () => {
    const added = entries().find((e) => e.kind === 'governance.proposal' && e.changes[0].op === 'person.add');
    expect(added.changes[0]).toMatchObject({ person: 'frank', role: 'postgres' });
    expect(added.changes[0].credential).toMatch(/^[0-9a-f]{64}$/);
    expect(added.signature).toBeDefined();
    expect(JSON.stringify(entries())).not.toContain('SCRAM-SHA-256$');
    const db = new Database(join(dir, 'proxy.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM verifiers').pluck().get()).toBe(1);
    db.close();
    expect((await runCli(['user', 'add', 'gina', '--upstream-role', 'postgres', '--password-stdin'], { dir, input: 'gina-password\n' })).code).toBe(0);
    expect(jsonOf(await runCli(['user', 'list', '--json'], { dir })).users).toEqual([
      { person: 'frank', role: 'postgres' },
      { person: 'gina', role: 'postgres' },
    ]);
    const dup = await runCli(['user', 'add', 'gina', '--upstream-role', 'postgres', '--password-stdin', '--json'], { dir, input: 'gina-password\n' });
    expect(jsonOf(dup).error.code).toBe('USER_EXISTS');
    expect((await runCli(['user', 'remove', 'gina'], { dir })).code).toBe(0);
    expect(jsonOf(await runCli(['user', 'list', '--json'], { dir })).users).toEqual([{ person: 'frank', role: 'postgres' }]);
  }, 300_000); // five CLI processes, each compiling TypeScript on a shared machine

  it('ilog lock in another process ends a live psql session; ilog unlock lets the person back', async () => {
    const env = { ...process.env, PGPASSWORD: 'frank-password', PGOPTIONS: '-c ilog.purpose=T-40', PGAPPNAME: 'frank-psql' };
    const psql = spawn('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'frank', 'postgres'], { env });
    let out = '';
    psql.stdout.on('data', (d) => (out += d));
    psql.stderr.on('data', (d) => (out += d));
    const exited = new Promise((r) => psql.on('close', r));
    psql.stdin.write('SELECT 6 * 7 AS answer;\n');
    await waitFor(() => out.includes('42'));
    const lock = await runCli(['lock', 'frank', '--reason', 'left the company', '--json'], { dir });
    expect(lock.code).toBe(0);
    const lockedAt = Date.now();
    // The proxy notices the lock.set entry and closes both sides.
    await waitFor(() => cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'frank-psql'") === '0', 200, 25);
    const ms = Date.now() - lockedAt;
    psql.stdin.end('SELECT 1;\n');
    await exited;
    console.log(JSON.stringify({ metric: 'lock_to_backend_gone_ms', value: ms }));
    const refused = spawn('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'frank', '-c', 'SELECT 1', 'postgres'], { env });
    let err = '';
    refused.stderr.on('data', (d) => (err += d));
    await new Promise((r) => refused.on('close', r));
    expect(err).toContain('access is locked for this person: left the company');
    expect((await runCli(['unlock', 'frank'], { dir })).code).toBe(0);
    await waitFor(async () => {
      const p = spawn('psql', ['-X', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'frank', '-c', 'SELECT 1', 'postgres'], { env });
      let o = '';
      p.stdout.on('data', (d) => (o += d));
      await new Promise((r) => p.on('close', r));
      return o.trim() === '1';
    });
    const kinds = entries().map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['lock.set', 'governance.proposal', 'access']));
    // The read ran and its outcome is logged: in its own access entry (one entry per overlapped statement) or an outcome entry.
    const all = entries();
    const answer = all.findIndex((e) => e.kind === 'access' && e.person === 'frank' && String(e.statement?.text).includes('*'));
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(outcomeOf(all, answer)?.status).toBe('ok');
    expect(entries().find((e) => e.kind === 'lock.set').signature).toBeDefined();
  }, 300_000);
});

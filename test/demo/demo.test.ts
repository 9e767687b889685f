// `ilog demo` end to end: the demo as a real subprocess (log service, PGlite
// company database, capture proxy, alerting), the psql command line it prints
// run for real, the entries it caused read back from the log, Ctrl-C, and
// `ilog verify` on what it left behind. Then `ilog serve` on the same directory
// picks up alerting from alerts.json.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, runCli, startServe } from '../helpers/cli.js';
import { openEntriesIn } from '../alert/helpers/opened.js';
import { startDemo, type DemoProcess } from './demo-process.js';

const PSQL = '/usr/bin/psql';
const dir = mkdtempSync(join(tmpdir(), 'ilog-demo-'));
let demo: DemoProcess;

function sh(command: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { env: { ...process.env, PGCONNECT_TIMEOUT: '20', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

type Logged = { index: number; entry: Record<string, any> };
async function logEntries(): Promise<Logged[]> {
  const r = await runCli(['tail', '--dir', dir, '-n', '1000', '--json']);
  expect(r.code, r.stderr).toBe(0);
  // Alert bodies are sealed in the log (docs/alert.md): open them with the server's key in the demo directory.
  return openEntriesIn(dir, jsonOf(r).entries as Logged[]);
}
/** Polls the log until `pick` finds something (outcomes and alerts are appended after the client has its answer). */
async function eventually<T>(pick: (entries: Logged[]) => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const hit = pick(await logEntries());
    if (hit !== undefined) return hit;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('not in the log in time');
}

describe('ilog demo', () => {
  beforeAll(async () => {
    demo = await startDemo(['--dir', dir, '--listen', '127.0.0.1:0', '--proxy-listen', '127.0.0.1:0']);
  }, 300_000);
  afterAll(async () => {
    await demo?.interrupt();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.admin.key`, { force: true });
  });

  it('prints a psql command that reaches the demo database through the proxy, and the statement is logged', async () => {
    const [line] = await demo.waitFor(/^ +PGOPTIONS='-c ilog\.purpose=[^']+' psql "postgres:\/\/alice:[^"]+"$/m);
    const printed = line.trim().replace(/ psql /, ` ${PSQL} `);
    const r = await sh(`${printed} -X -A -t -v ON_ERROR_STOP=1 -c 'SELECT full_name, city FROM patients WHERE id = 42'`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[^|\n]+\|[^|\n]+$/); // one row, two columns

    const access = await eventually((es) =>
      es.find((e) => e.entry.kind === 'access' && e.entry.person === 'alice' && /FROM patients WHERE id = \$1/.test(e.entry.statement?.text ?? '')),
    );
    expect(access.entry).toMatchObject({ source: 'pg-proxy', role: 'postgres', purpose: 'TICKET-1234', action: 'select', relations: ['public.patients'] });
    expect(access.entry.statement.values).toHaveLength(1); // the literal 42, as an HMAC
    expect(access.entry.statement.values[0]).toMatch(/^[0-9a-f]{64}$/);
    // A read carries its outcome in its own access entry (docs/proxy.md).
    expect(access.entry.outcome).toMatchObject({ status: 'ok', rows: 1, command: 'SELECT 1' });
  });

  it('refuses a statement without a purpose with SQLSTATE IL001, and the session stays usable', async () => {
    const [, url] = await demo.waitFor(/psql "(postgres:\/\/alice:[^"]+)"/);
    const r = await sh(`${PSQL} "${url}" -X -A -t -v VERBOSITY=verbose -c 'SELECT count(*) FROM patients' -c 'SHOW server_version'`);
    expect(r.stderr).toMatch(/ERROR: +IL001/);
    expect(r.stdout).toMatch(/\d/); // the housekeeping statement after it still ran
  });

  it('raises an alert for a vague purpose on a watch-listed patient and delivers it to the demo inbox', async () => {
    const [, url] = await demo.waitFor(/psql "(postgres:\/\/alice:[^"]+)"/);
    const r = await sh(`${PSQL} "${url}" -X -A -t -c '/* purpose: curious */ SELECT full_name FROM patients WHERE id = 8'`);
    expect(r.code, r.stderr).toBe(0);
    const raised = await eventually((es) => es.find((e) => e.entry.kind === 'alert.raised' && e.entry.subject === 'alice'));
    expect(raised.entry.recipients).not.toContain('alice');
    expect(raised.entry.recipients.length).toBeGreaterThanOrEqual(2);
    await demo.waitFor(new RegExp(`alert #${raised.index} → \\w+'s inbox`));
  });

  it('shows the log with ilog tail', async () => {
    const r = await runCli(['tail', '--dir', dir, '-n', '50']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^#\d+ +\S+ +access +alice +select +public\.patients +purpose="TICKET-1234"/m);
    expect(r.stdout).toMatch(/^#\d+ +\S+ +access +alice +select .*→ +ok +SELECT 1/m);
  });

  it('keeps the generated password private', () => {
    expect(statSync(join(dir, 'demo-credentials.txt')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'demo-credentials.txt'), 'utf8')).toMatch(/^password=\S{12,}$/m);
  });

  it('refuses a second demo on the same directory, and a taken port, before starting anything', async () => {
    const again = await runCli(['demo', '--dir', dir, '--listen', '127.0.0.1:0', '--proxy-listen', '127.0.0.1:0', '--json']);
    expect(again.code).toBe(1);
    expect(jsonOf(again).error.code).toBe('DEMO_RUNNING');

    const [, port] = await demo.waitFor(/log service +http:\/\/127\.0\.0\.1:(\d+)/);
    const other = mkdtempSync(join(tmpdir(), 'ilog-demo-port-'));
    try {
      const taken = await runCli(['demo', '--dir', other, '--listen', `127.0.0.1:${port}`, '--proxy-listen', '127.0.0.1:0', '--json']);
      expect(taken.code).toBe(1);
      expect(jsonOf(taken).error).toMatchObject({ code: 'PORT_IN_USE', evidence: { address: `127.0.0.1:${port}` } });
    } finally {
      rmSync(other, { recursive: true, force: true });
      rmSync(`${other}.admin.key`, { force: true });
    }
  });

  it('stops cleanly on Ctrl-C, leaving a log that ilog verify accepts', async () => {
    expect(await demo.interrupt()).toBe(0);
    expect(demo.stderr()).toMatch(/ilog demo: stopped/);
    const v = await runCli(['verify', '--dir', dir, '--json']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(jsonOf(v)).toMatchObject({ ok: true });
  });

  it('ilog serve on the demo directory runs alerting (alerts.json): /v1/alerts answers reviewers', async () => {
    const token = /^reviewer_token=(\S+)$/m.exec(readFileSync(join(dir, 'demo-credentials.txt'), 'utf8'))![1]!;
    const serve = await startServe({ dir });
    try {
      const res = await fetch(`${serve.url}/v1/alerts?subject=alice`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { alerts: { subject: string }[] };
      expect(body.alerts.length).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${serve.url}/v1/alerts`)).status).toBe(401);
      expect((await fetch(`${serve.url}/v1/access`, { method: 'POST' })).status).toBe(401);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 120_000);

  it("the demo reviewer's key file is registered in the log, and ilog alerts lists with it", async () => {
    const key = join(dir, 'dana.reviewer');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const policy = jsonOf(await runCli(['policy', 'show', '--dir', dir, '--json'])).policy;
    expect(policy.reviewers.map((r: { reviewer: string }) => r.reviewer)).toEqual(['dana']);
    const list = await runCli(['alerts', 'list', '--dir', dir, '--json'], { env: { ILOG_REVIEWER_KEY: key } });
    expect(list.code, list.stderr).toBe(0);
    expect(jsonOf(list).alerts.some((a: { subject: string }) => a.subject === 'alice')).toBe(true);
  }, 120_000);
});

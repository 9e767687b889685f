// /metrics, /healthz and /readyz of the processes as shipped: `ilog proxy
// --metrics-listen` in front of a real PostgreSQL 15 under pgbench, and `ilog
// serve`. Every scrape is parsed by a strict Prometheus text parser; figures
// must move as traffic flows, and readiness names its reason when the upstream goes away.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram, Metrics } from '../../src/export/metrics.js';
import { ProxyMetricsRecorder } from '../../src/export/proxy-metrics.js';
import { GovernedLocks } from '../../src/governance/lock-state.js';
import { emptyPolicy } from '../../src/governance/policy.js';
import { runCli, startServe, type ServeHandle } from '../helpers/cli.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { parsePrometheusText, sumOf, type Family } from '../helpers/prom-text.js';
import { waitFor } from '../capture/fixture.js';

const run = promisify(execFile);

async function scrape(url: string): Promise<Map<string, Family>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  return parsePrometheusText(await res.text());
}

describe('metrics primitives', () => {
  it('hot counters and histograms render as valid exposition text with the process registry only', async () => {
    const m = new Metrics('unit');
    const c: HotCounter = m.hotCounter('ilog_test_total', 'test counter', 'sqlstate', ['IL001']);
    const h: HotHistogram = m.hotHistogram('ilog_test_seconds', 'test histogram', [0.001, 0.01]);
    for (let i = 0; i < 40; i++) c.inc(`S${i % 20}`); // grows past its first 16 slots
    c.inc('IL001', 2);
    h.observe(0.0005);
    h.observe(0.005);
    h.observe(5);
    const f = parsePrometheusText(await m.text());
    expect(sumOf(f, 'ilog_test_total', { sqlstate: 'S3' })).toBe(2);
    expect(sumOf(f, 'ilog_test_total', { sqlstate: 'IL001', component: 'unit' })).toBe(2);
    expect(sumOf(f, 'ilog_test_total')).toBe(42);
    expect(sumOf(f, 'ilog_test_seconds', { le: '0.001' }, 'ilog_test_seconds_bucket')).toBe(1);
    expect(sumOf(f, 'ilog_test_seconds', { le: '0.01' }, 'ilog_test_seconds_bucket')).toBe(2);
    expect(sumOf(f, 'ilog_test_seconds', { le: '+Inf' }, 'ilog_test_seconds_bucket')).toBe(3);
    expect(sumOf(f, 'ilog_test_seconds', {}, 'ilog_test_seconds_sum')).toBeCloseTo(5.0055, 6);
    // A second registry in the same process starts from zero: nothing global.
    expect(parsePrometheusText(await new Metrics('other').text()).size).toBe(0);
  });

  it('a lock ending sessions is timed from its signed entry, with no read of the log', async () => {
    const policy = emptyPolicy();
    const made = new Date(Date.now() - 2_000).toISOString();
    policy.locks.set('mallory', { person: 'mallory', reason: 'misuse', madeBy: { index: 7, time: made, approvers: ['ann'] } });
    const info = new GovernedLocks(policy).isLocked('mallory')!;
    expect(info).toMatchObject({ index: 7, time: made });
    const m = new Metrics('proxy');
    const rec = new ProxyMetricsRecorder(m, { sessions: () => 0 });
    rec.sessionsEnded(info, 0); // nothing ended: nothing to time
    rec.sessionsEnded({ index: 8 }, 1); // a lock of unknown time is not timed
    rec.sessionsEnded(info, 2);
    const f = parsePrometheusText(await m.text());
    expect(sumOf(f, 'ilog_proxy_lock_to_session_end_seconds', {}, 'ilog_proxy_lock_to_session_end_seconds_count')).toBe(1);
    const took = sumOf(f, 'ilog_proxy_lock_to_session_end_seconds', {}, 'ilog_proxy_lock_to_session_end_seconds_sum');
    expect(took).toBeGreaterThanOrEqual(2);
    expect(took).toBeLessThan(60);
    expect(sumOf(f, 'ilog_proxy_lock_to_session_end_seconds', { le: '1' }, 'ilog_proxy_lock_to_session_end_seconds_bucket')).toBe(0);
  });

  it('the parser refuses what Prometheus would refuse', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow(/no declared family/);
    expect(() => parsePrometheusText('# TYPE x counter\nx -1\n')).toThrow(/counter/);
    expect(() => parsePrometheusText('# TYPE x gauge\nx{a="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE x gauge\nx 1\nx 2\n')).toThrow(/duplicate/);
  });
});

const skip = skipWithoutPg();

describe.skipIf(skip)('ilog proxy --metrics-listen under pgbench', () => {
  let cluster: PgCluster;
  let dir: string;
  let proxy: ServeHandle;
  let port: number;
  let metricsUrl: string;
  beforeAll(async () => {
    cluster = await startPgCluster();
    dir = mkdtempSync(join(tmpdir(), 'ilog-metrics-'));
    expect((await runCli(['init', '--origin', 'test.example/metrics'], { dir })).code).toBe(0);
    expect((await runCli(['user', 'add', 'bench', '--upstream-role', 'postgres', '--password-stdin'], { dir, input: 'bench-pw\n' })).code).toBe(0);
    await run('pgbench', ['-i', '-s', '1', '-q', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres'], { env: { ...process.env, PGPASSWORD: cluster.password } });
    proxy = await startServe({ dir, command: 'proxy', args: ['--upstream', cluster.url, '--metrics-listen', '127.0.0.1:0'] });
    port = Number(/:(\d+)$/.exec(proxy.url)![1]);
    metricsUrl = /"metrics":"([^"]+)"/.exec(proxy.output().stdout)![1]!;
  }, 240_000);
  afterAll(async () => {
    await proxy?.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}.admin.key`, { force: true });
  });

  const env = (purpose?: string) => ({ ...process.env, PGPASSWORD: 'bench-pw', PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'bench', PGDATABASE: 'postgres', ...(purpose ? { PGOPTIONS: `-c ilog.purpose=${purpose}` } : {}) });

  it('figures move while pgbench runs through the proxy', async () => {
    const before = await scrape(metricsUrl);
    const ok0 = sumOf(before, 'ilog_proxy_statements_ok_total');
    const appends0 = sumOf(before, 'ilog_log_appends_total');
    const commits0 = sumOf(before, 'ilog_log_commit_seconds', {}, 'ilog_log_commit_seconds_count');
    const waits0 = sumOf(before, 'ilog_proxy_added_latency_seconds', {}, 'ilog_proxy_added_latency_seconds_count');
    expect(sumOf(before, 'ilog_proxy_sessions')).toBe(0);

    const bench = spawn('pgbench', ['-n', '-S', '-T', '6', '-c', '2', '-M', 'prepared', 'postgres'], { env: env('BENCH-1') });
    let benchOut = '';
    bench.stdout.on('data', (d) => (benchOut += d));
    bench.stderr.on('data', (d) => (benchOut += d));
    const done = new Promise<number | null>((r) => bench.on('close', r));
    // Scrape during the run: live sessions and growing statement counts.
    const during = (await waitFor(async () => {
      const f = await scrape(metricsUrl);
      return sumOf(f, 'ilog_proxy_sessions') >= 1 && sumOf(f, 'ilog_proxy_statements_ok_total') > ok0 ? f : undefined;
    }, 200, 50))!;
    expect(await done, benchOut).toBe(0);
    const after = await scrape(metricsUrl);

    const ok = sumOf(after, 'ilog_proxy_statements_ok_total', { sqlstate: '00000', component: 'proxy' }) - ok0;
    const txns = Number(/number of transactions actually processed: (\d+)/.exec(benchOut)![1]);
    // Each -S transaction is one SELECT; a statement's outcome is counted when it completes.
    expect(ok).toBeGreaterThanOrEqual(txns);
    expect(sumOf(during, 'ilog_proxy_statements_ok_total')).toBeLessThan(sumOf(after, 'ilog_proxy_statements_ok_total'));
    expect(sumOf(after, 'ilog_log_appends_total') - appends0).toBeGreaterThanOrEqual(txns); // an access entry per statement, outcomes too
    expect(sumOf(after, 'ilog_log_commit_seconds', {}, 'ilog_log_commit_seconds_count')).toBeGreaterThan(commits0);
    expect(sumOf(after, 'ilog_proxy_added_latency_seconds', {}, 'ilog_proxy_added_latency_seconds_count') - waits0).toBeGreaterThanOrEqual(txns);
    expect(sumOf(after, 'ilog_proxy_added_latency_seconds', {}, 'ilog_proxy_added_latency_seconds_sum')).toBeGreaterThan(0);
    expect(sumOf(after, 'ilog_log_size')).toBeGreaterThan(sumOf(before, 'ilog_log_size'));
    await waitFor(async () => sumOf(await scrape(metricsUrl), 'ilog_proxy_sessions') === 0);
  }, 120_000);

  it('refusals are counted by SQLSTATE', async () => {
    const before = sumOf(await scrape(metricsUrl), 'ilog_proxy_refusals_total', { sqlstate: 'IL001' });
    const r = await run('psql', ['-X', '-c', 'SELECT count(*) FROM pgbench_accounts'], { env: env() }).catch((e: { stderr: string }) => e);
    expect(String(r.stderr)).toContain('purpose is required');
    const after = await scrape(metricsUrl);
    expect(sumOf(after, 'ilog_proxy_refusals_total', { sqlstate: 'IL001' })).toBe(before + 1);
    expect(sumOf(after, 'ilog_proxy_refusals_total', { sqlstate: 'IL004' })).toBe(0);
  }, 60_000);

  it('/healthz answers; /readyz is ready, then names the unreachable upstream', async () => {
    const base = metricsUrl.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { 'log-writable': { ok: true }, 'upstream-reachable': { ok: true } } });
    await cluster.stop();
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { ready: boolean; checks: Record<string, { ok: boolean; reason?: string }> };
    expect(body.ready).toBe(false);
    expect(body.checks['log-writable']).toEqual({ ok: true });
    expect(body.checks['upstream-reachable']!.ok).toBe(false);
    expect(body.checks['upstream-reachable']!.reason).toContain(`127.0.0.1:${cluster.port}`);
  }, 60_000);
});

describe('ilog serve /metrics', () => {
  let dir: string;
  let serve: ServeHandle;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-metrics-serve-'));
    expect((await runCli(['init', '--origin', 'test.example/serve-metrics'], { dir })).code).toBe(0);
    serve = await startServe({ dir });
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}.admin.key`, { force: true });
  });

  it('counts appends and commits made through POST /add, and ages the unsigned tail', async () => {
    const before = await scrape(`${serve.url}/metrics`);
    expect(sumOf(before, 'ilog_log_size', { component: 'serve' })).toBeGreaterThan(0);
    const { readFileSync } = await import('node:fs');
    const token = readFileSync(join(dir, 'token'), 'utf8').trim();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${serve.url}/add`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:test', person: 'p', action: 'view' }) });
      expect(res.status, await res.text()).toBeLessThan(300);
    }
    const after = await scrape(`${serve.url}/metrics`);
    expect(sumOf(after, 'ilog_log_appends_total') - sumOf(before, 'ilog_log_appends_total')).toBe(3);
    expect(sumOf(after, 'ilog_log_commit_seconds', {}, 'ilog_log_commit_seconds_count')).toBeGreaterThan(sumOf(before, 'ilog_log_commit_seconds', {}, 'ilog_log_commit_seconds_count'));
    expect(sumOf(after, 'ilog_log_pushback_total')).toBe(0);
    expect(after.get('ilog_log_checkpoint_age_seconds')?.type).toBe('gauge');
    const ready = await fetch(`${serve.url}/readyz`);
    expect(ready.status).toBe(200);
  }, 60_000);
});

describe('ilog serve /metrics where reads need a token', () => {
  let dir: string;
  let serve: ServeHandle;
  let token: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-metrics-token-'));
    expect((await runCli(['init', '--origin', 'test.example/metrics-token'], { dir })).code).toBe(0);
    const added = await runCli(['read-token', 'add', 'prometheus', '--json'], { dir });
    token = (JSON.parse(added.stdout) as { token: string }).token;
    serve = await startServe({ dir, args: ['--require-read-token'] });
  }, 120_000);
  afterAll(async () => {
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}.admin.key`, { force: true });
  });

  it('asks /metrics on the main port for the read token; probes stay open', async () => {
    expect((await fetch(`${serve.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${serve.url}/metrics`, { headers: { authorization: 'Bearer ilog_read_wrong' } })).status).toBe(401);
    const ok = await fetch(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('ilog_log_size');
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);
  }, 60_000);
});

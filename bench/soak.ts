// Endurance run (issue #12): `ilog serve` (log service, detector, alerting to a
// local webhook) and `ilog proxy` on one data directory, under pgbench at 80%
// of the proxy's measured maximum, for --minutes N. Every minute one JSON line:
// RSS and open file descriptors of both processes, pgbench tps and p99
// latency, kills so far. Every --kill-every minutes a `kill -9` of serve or of
// the proxy (alternating) at a random moment, restarted a second later. At the
// end: `ilog verify` must pass, and every statement PostgreSQL ran
// (log_statement=all) must have its access entry (matched by the HMAC of a
// random tag literal that each statement carries; a multiset, so a repeated
// tag needs as many entries). Runs the built CLI: `npm run build` first.
// Usage: npm run soak -- --minutes 60 [--kill-every 3] [--clients 8]
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hmacValue, loadHmacKey } from '../src/capture/pg/entries.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { freePort, startPgCluster } from '../test/helpers/pg-cluster.js';
import { Daemon, ilog, requireBuild } from './ilog-process.js';

const run = promisify(execFile);
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('minutes', 60);
const KILL_EVERY = arg('kill-every', 3);
const CLIENTS = arg('clients', 8);
const emit = (o: object): void => console.log(JSON.stringify({ bench: 'soak', at: new Date().toISOString(), ...o }));

requireBuild();

const cluster = await startPgCluster({ pgaudit: false, conf: [`log_statement = 'all'`, `log_line_prefix = '%u '`] });
const pgLog = join(cluster.socketDir, 'postgres.log');
const dir = mkdtempSync(join(tmpdir(), 'ilog-soak-'));
const script = join(dir, '..', `ilog-soak-${process.pid}.sql`);
const pgbenchLogs = mkdtempSync(join(tmpdir(), 'ilog-soak-pgbench-'));

const cli = (args: string[], input = ''): Promise<string> => ilog(dir, args, input);

/** pgbench through the proxy; returns its per-transaction latencies (ms) and counts. */
async function pgbench(port: number, seconds: number, rate?: number): Promise<{ lat: number[]; tps: number; failed: boolean }> {
  const prefix = join(pgbenchLogs, `tx-${Date.now()}`);
  const args = ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(Math.max(1, Math.round(seconds))), '-M', 'simple', '-f', script, '-l', '--log-prefix', prefix, '-h', '127.0.0.1', '-p', String(port), '-U', 'soaker', 'postgres'];
  if (rate) args.splice(1, 0, '-R', String(Math.round(rate)));
  let stdout = '';
  let failed = false;
  try {
    stdout = (await run('pgbench', args, { env: { ...process.env, PGPASSWORD: 'soak-password', PGOPTIONS: '-c ilog.purpose=soak' }, maxBuffer: 1 << 24 })).stdout;
  } catch (e) {
    failed = true; // a killed proxy aborts its clients: expected during a kill round
    stdout = String((e as { stdout?: string }).stdout ?? '');
  }
  const lat: number[] = [];
  for (const f of readdirSync(pgbenchLogs)) {
    for (const line of readFileSync(join(pgbenchLogs, f), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (line && Number.isFinite(us)) lat.push(us / 1000);
    }
    rmSync(join(pgbenchLogs, f));
  }
  return { lat, tps: Number(/tps = ([\d.]+)/.exec(stdout)?.[1] ?? 0), failed };
}

const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Number(s[Math.min(s.length - 1, Math.floor(0.99 * s.length))]!.toFixed(2)) : NaN;
};

let hooks = 0;
const hook = createServer((req, res) => {
  hooks++;
  req.resume();
  req.on('end', () => res.end('ok'));
});
const hookPort = await freePort();
await new Promise<void>((r) => hook.listen(hookPort, '127.0.0.1', r));

const servePort = await freePort();
const proxyPort = await freePort();
const serve = new Daemon('serve', dir, ['serve', '--listen', `127.0.0.1:${servePort}`]);
const proxy = new Daemon('proxy', dir, ['proxy', '--upstream', `postgres://soak:soak-upstream@127.0.0.1:${cluster.port}/postgres`, '--listen', `127.0.0.1:${proxyPort}`]);
let exitCode = 0;
try {
  await run('pgbench', ['-i', '-q', '-s', '1', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres'], { env: { ...process.env, PGPASSWORD: cluster.password } });
  cluster.psql(`CREATE ROLE soak LOGIN PASSWORD 'soak-upstream'; GRANT SELECT ON pgbench_accounts TO soak`);
  writeFileSync(script, ['\\set aid random(1, 100000)', '\\set tag random(1, 1000000000000)', 'SELECT abalance, :tag AS tag FROM pgbench_accounts WHERE aid = :aid;', ''].join('\n'));
  await cli(['init', '--origin', 'soak.example/log']);
  await cli(['user', 'add', 'soaker', '--upstream-role', 'soak', '--password-stdin'], 'soak-password\n');
  writeFileSync(
    join(dir, 'alerts.json'),
    JSON.stringify({
      reviewers: { r1: { webhook: { url: `http://127.0.0.1:${hookPort}/r1`, secret: 'soak-secret-0123456789' } }, r2: { webhook: { url: `http://127.0.0.1:${hookPort}/r2`, secret: 'soak-secret-0123456789' } } },
      groups: { ops: { members: ['r1', 'r2'] } },
      rules: [],
      fallback: 'ops',
    }),
    { mode: 0o600 },
  );
  await serve.start();
  await proxy.start();

  const max = await pgbench(proxyPort, 20);
  const rate = 0.8 * max.tps;
  emit({ phase: 'calibrate', max_tps: Math.round(max.tps), target_tps: Math.round(rate), p99_ms: p99(max.lat), clients: CLIENTS, cores: (await import('node:os')).cpus().length, load: (await import('node:os')).loadavg().map((x) => x.toFixed(1)) });

  let kills = 0;
  let pgbenchAborts = 0;
  let killNext: Daemon = proxy;
  for (let minute = 1; minute <= MINUTES; minute++) {
    const end = Date.now() + 60_000;
    let killAt: NodeJS.Timeout | undefined;
    if (KILL_EVERY > 0 && minute % KILL_EVERY === 0) {
      const victim = killNext;
      killNext = victim === proxy ? serve : proxy;
      killAt = setTimeout(() => {
        victim.kill9();
        kills++;
        setTimeout(() => void victim.start().then(() => victim.restarts++, (e: unknown) => emit({ error: `restart of ${victim.name} failed: ${String(e)}` })), 1000);
      }, 5_000 + Math.random() * 40_000);
    }
    const lat: number[] = [];
    let done = 0;
    while (Date.now() < end - 1000) {
      const r = await pgbench(proxyPort, (end - Date.now()) / 1000, rate);
      lat.push(...r.lat);
      done += r.lat.length;
      if (r.failed) {
        pgbenchAborts++;
        await new Promise((res) => setTimeout(res, 1500)); // the proxy is restarting
      }
    }
    clearTimeout(killAt);
    const checkpoint = await fetch(`http://127.0.0.1:${servePort}/checkpoint`).then((r) => r.text(), () => '');
    emit({ minute, tx: done, tps: Math.round(done / 60), p99_ms: p99(lat), serve: serve.stats(), proxy: proxy.stats(), log_size: Number(checkpoint.split('\n')[1] ?? NaN), kills, pgbench_aborts: pgbenchAborts, webhooks: hooks, load1: (await import('node:os')).loadavg()[0]!.toFixed(1) });
  }

  const proxyExit = await proxy.stop();
  const serveExit = await serve.stop();
  const verify = await cli(['verify', '--json']).then((o) => ({ ok: true, out: o.trim().split('\n').pop() }), (e: unknown) => ({ ok: false, out: String(e) }));

  // Every statement PostgreSQL ran for the proxy's role has an access entry with its tag's HMAC.
  const key = loadHmacKey(dir);
  const tags = new Map<string, number>();
  for (const line of readFileSync(pgLog, 'utf8').split('\n')) {
    const m = /^soak .*statement: SELECT abalance, (\d+) AS tag/.exec(line);
    if (m) tags.set(hmacValue(key, m[1]!), (tags.get(hmacValue(key, m[1]!)) ?? 0) + 1);
  }
  const storage = SqliteLogStorage.open(dir);
  const logged = new Map<string, number>();
  let accessEntries = 0;
  const size = storage.size();
  for (let from = 0; from < size; ) {
    const batch = storage.readEntries(from, size);
    for (const b of batch) {
      const e = JSON.parse(Buffer.from(b).toString('utf8')) as { kind: string; statement?: { values?: string[] } };
      if (e.kind !== 'access') continue;
      accessEntries++;
      for (const v of e.statement?.values ?? []) if (tags.has(v)) logged.set(v, (logged.get(v) ?? 0) + 1);
    }
    from += batch.length;
  }
  storage.close();
  let ran = 0;
  let unlogged = 0;
  for (const [v, n] of tags) {
    ran += n;
    unlogged += Math.max(0, n - (logged.get(v) ?? 0));
  }
  emit({ phase: 'end', minutes: MINUTES, kills, restarts: { serve: serve.restarts, proxy: proxy.restarts }, exit: { serve: serveExit, proxy: proxyExit }, verify_ok: verify.ok, verify: verify.out, log_entries: size, access_entries: accessEntries, statements_ran: ran, statements_without_entry: unlogged, webhooks: hooks });
  if (!verify.ok || unlogged > 0 || ran === 0) exitCode = 1;
} finally {
  proxy.kill9();
  serve.kill9();
  hook.close();
  await cluster.stop();
  rmSync(script, { force: true });
  rmSync(pgbenchLogs, { recursive: true, force: true });
  if (exitCode === 0) rmSync(dir, { recursive: true, force: true });
  else emit({ kept: dir });
}
process.exitCode = exitCode;

// Benchmark: the pgAudit reconciler.
// 1. Throughput: a synthetic PostgreSQL 15 csvlog of N pgAudit records (50
//    backends, each record matched to a proxy access entry, as in normal
//    operation) reconciled from a fresh cursor: records per second, against an
//    anchor measured in the same run (splitting the same bytes into CSV records).
// 2. Latency: statement on a direct superuser session of a real PostgreSQL 15
//    → bypass.detected → detector → alert → webhook delivered to two
//    reviewers: p50/p99 over K statements.
// Prints one JSON line per measurement. Usage: npm run bench:reconcile [-- --records 200000 --alerts 30]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { startAlerting } from '../src/server/alerting.js';
import { loadParser } from '../src/capture/pg/classify.js';
import { hmacValue, loadHmacKey } from '../src/capture/pg/entries.js';
import { splitCsvRecords } from '../src/capture/pgaudit/csv-records.js';
import { Reconciler } from '../src/capture/pgaudit/reconciler.js';
import { checkServerSettings } from '../src/capture/pgaudit/server-settings.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { startReceiver } from '../test/alert/helpers/receiver.js';
import { startPgCluster } from '../test/helpers/pg-cluster.js';
import { AUDIT_CONF } from '../test/capture/reconcile-fixture.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RECORDS = arg('records', 200_000);
const ALERTS = arg('alerts', 30);
const machine = { cores: cpus().length, load1: Number(loadavg()[0]!.toFixed(2)) };
const print = (o: object): void => console.log(JSON.stringify({ ...o, ...machine }));
const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;

async function throughput(): Promise<void> {
  await loadParser();
  const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-rec-'));
  const logDir = join(dir, 'log');
  execFileSync('mkdir', ['-p', logDir]);
  const key = loadHmacKey(dir);
  const entries: Uint8Array[] = [];
  const lines: string[] = [];
  const BACKENDS = 50;
  const seq = new Array<number>(BACKENDS).fill(0);
  const line = new Array<number>(BACKENDS).fill(0);
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < RECORDS; i++) {
    const b = i % BACKENDS;
    const pid = 10_000 + b;
    const port = 40_000 + b;
    const text = `UPDATE pgbench_accounts SET abalance = abalance + ${i % 5000} WHERE aid = ${i};`;
    const s = ++seq[b]!;
    const time = new Date(t0 + i).toISOString();
    entries.push(Buffer.from(canonicalize({ v: 1, kind: 'access', time, source: 'pg-proxy', person: `p${b}`, action: 'update', relations: ['public.pgbench_accounts'], upstream: { pid, port, seq: s, query: hmacValue(key, text) } })!, 'utf8'));
    const session = `6b15cf03.${pid.toString(16)}`;
    const msg = `AUDIT: SESSION,${s},1,WRITE,UPDATE,TABLE,public.pgbench_accounts,${q(text)},<not logged>`;
    lines.push(['2026-12-06 21:09:23.352 UTC', 'postgres', 'postgres', pid, `127.0.0.1:${port}`, session, ++line[b]!, 'UPDATE', new Date(t0 - 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC', '3/4', '0', 'LOG', '00000', q(msg), '', '', '', '', '', '', '', '', 'pgbench', '"client backend"', '', '0'].join(','));
  }
  const file = join(logDir, 'postgresql-2026-12-06_210000.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  lines.length = 0; // the file holds them now; keeping 65 MB of strings alive only slows every GC
  const bytes = readFileSync(file);
  // Anchor: only splitting the same bytes into CSV records.
  let t = performance.now();
  let cpu = process.cpuUsage();
  const split = splitCsvRecords(bytes).records.length;
  const anchorS = (performance.now() - t) / 1000;
  const anchorCpuS = cpuSeconds(cpu);
  const out: object[] = [];
  const r = new Reconciler({
    server: 'bench',
    logDirectory: logDir,
    cursorFile: join(dir, 'cursor.json'),
    hmacKey: key,
    log: { size: () => entries.length, readEntries: (a, b) => entries.slice(a, b) },
    writer: { appendMany: async (es) => (out.push(...es), es.map((_, i) => i)) },
  });
  t = performance.now();
  cpu = process.cpuUsage();
  for (let guard = 0; guard < 100_000 && (await r.step()) > 0; guard++);
  const s = (performance.now() - t) / 1000;
  const cpuS = cpuSeconds(cpu);
  print({
    bench: 'reconcile.throughput', records: r.records, seconds: Number(s.toFixed(3)), recordsPerSecond: Math.round(r.records / s), recordsPerCpuSecond: Math.round(r.records / cpuS),
    anchor: 'csv split of the same bytes', anchorRecordsPerSecond: Math.round(split / anchorS), anchorRecordsPerCpuSecond: Math.round(split / anchorCpuS), ratioToAnchor: Number((anchorS / s).toFixed(3)),
    entriesWritten: out.length, bytes: bytes.length,
  });
  rmSync(dir, { recursive: true, force: true });
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latency(): Promise<void> {
  const c = await startPgCluster({ conf: AUDIT_CONF });
  const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-rec-alert-'));
  const recv = await startReceiver();
  let appender: Appender | undefined;
  try {
    await initLog(dir, { origin: 'bench.example/reconcile' });
    const hook = (n: string) => ({ webhook: { url: `${recv.url}/hook/${n}`, secret: 'bench-webhook-secret-0123456789' } });
    writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers: { alice: hook('alice'), bob: hook('bob') }, groups: { security: { members: ['alice', 'bob'] } }, rules: [{ rule: ['bypass'], group: 'security' }], fallback: 'security' }));
    appender = await Appender.open(dir);
    const alerting = startAlerting({ dir, writer: appender, storage: appender.storage, tickMs: 50 });
    const facts = await checkServerSettings(c.url);
    const app = appender;
    const r = new Reconciler({ server: 'db', logDirectory: facts.logDirectory, cursorFile: join(dir, 'cursor.json'), hmacKey: loadHmacKey(dir), log: app.storage, writer: { appendMany: (es) => app.appendMany(es) }, own: facts.own, pollMs: 100, from: 'end' });
    r.start();
    const ms: number[] = [];
    for (let i = 0; i < ALERTS; i++) {
      const before = recv.received.length;
      const t = performance.now();
      // A distinct normalised text each time (the detector reports one fact once per cooldown).
      c.psql(`SELECT ${i} AS bench_${i}`);
      for (let k = 0; k < 400 && recv.received.length < before + 2; k++) await new Promise((res) => setTimeout(res, 5));
      ms.push(performance.now() - t);
    }
    await r.stop();
    await alerting.stop();
    ms.sort((a, b) => a - b);
    print({ bench: 'reconcile.alert-latency', statements: ALERTS, p50Ms: Math.round(percentile(ms, 50)), p99Ms: Math.round(percentile(ms, 99)), maxMs: Math.round(ms[ms.length - 1]!), pollMs: 100, note: 'includes psql start-up and connection (the anchor below)' });
    const anchor: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      c.psql('SELECT 1');
      anchor.push(performance.now() - t);
    }
    anchor.sort((a, b) => a - b);
    print({ bench: 'reconcile.alert-latency.anchor', what: 'psql -c "SELECT 1" alone', p50Ms: Math.round(percentile(anchor, 50)) });
  } finally {
    await appender?.close();
    await recv.stop();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await throughput();
if (!process.argv.includes('--no-latency')) await latency();

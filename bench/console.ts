// Console benchmark (docs/console.md "Figures"; issue #13: pages ≤ 200 ms p95 and a
// record look-up ≤ 500 ms on a log of 1,000,000 entries with 10,000 alerts).
//   npm run bench:console -- [--entries 1000000] [--alerts 10000] [--runs 100] [--dir <path>]
// Builds the log (bench/console-log.ts: sealed alerts and signed reviews as production
// makes them, accesses in bulk through Appender.appendMany), or reuses the one a
// previous run left in --dir; then starts the console as `ilog serve` registers it
// (without the detector, which would re-read the log): the alert book's replay, the
// side index's build and its audit; serves it over loopback HTTP and times each page
// as a signed-in reviewer: wall p50/p95/p99 and the process's CPU per request (server
// and client together). Every page that shows data appends its view durably, as in
// production. Anchors in the same run: a static file (GET /ui/), GET /ui/api/me (HTTP
// and the session check, no data) and one SQLite readEntries. Last, a restart on the
// same directory: the book from its snapshot and the existing side index.
// Prints JSON lines; without --dir the log is built in a temporary directory and removed.
import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { AlertService } from '../src/alert/service.js';
import { loadHmacKey } from '../src/capture/pg/entries.js';
import { loadSigner, sign } from '../src/governance/signing.js';
import type { ConsoleIndex } from '../src/http/console-index.js';
import { registerConsole } from '../src/http/console-routes.js';
import { verifierFromKey } from '../src/ledger/note.js';
import { Appender } from '../src/log/appender.js';
import { readLogSigner, readLogVkey } from '../src/log/appender-files.js';
import { SnapshotSchedule } from '../src/log/state-snapshot.js';
import { openAlertService, reviewerTokens, SNAPSHOTS } from '../src/server/alerting.js';
import { benchLog, HOT_PATIENT, patientOf, type BenchLog } from './console-log.js';

const { values: args } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, alerts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '100' }, dir: { type: 'string' } } });
const N = Number(args.entries);
const ALERTS = Number(args.alerts);
const RUNS = Number(args.runs);
if (![N, ALERTS, RUNS].every((x) => Number.isSafeInteger(x) && x >= 0) || RUNS < 1) throw new Error('--entries, --alerts and --runs are counts');
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const out = (o: object) => console.log(JSON.stringify({ bench: 'console', ...o, load: load(), cpus: availableParallelism() }));
const round = (x: number) => Math.round(x * 100) / 100;
const cpuMs = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1000);
const pct = (sorted: number[], p: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)]!);

/** A snapshot schedule that is due only once armed. */
class ArmedSchedule extends SnapshotSchedule {
  armed = false;
  override due(position: number): number | undefined {
    return this.armed ? super.due(position) : undefined;
  }
}

/** The console on `log`'s directory as serve assembles it; how long each start-up part took. */
async function start(log: BenchLog) {
  const { dir } = log;
  const t = performance.now();
  const appender = await Appender.open(dir);
  const opened = performance.now();
  // The book is snapshotted once, before the restart (serve does so every minute and on stop).
  const snapshot = new ArmedSchedule({ dir, name: SNAPSHOTS.book, log: appender.storage, verifier: verifierFromKey(readLogVkey(dir)), signer: readLogSigner(dir), everyMs: 0 });
  const service = openAlertService(dir, appender, appender.storage, { keys: log.reviewerKeys, snapshots: snapshot });
  let c = process.cpuUsage();
  await service.refresh();
  const bookMs = performance.now() - opened;
  const bookCpu = cpuMs(process.cpuUsage(c));
  const app = Fastify();
  const logVkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  const i = performance.now();
  c = process.cpuUsage();
  const index = await registerConsole(app, {
    service,
    keys: log.reviewerKeys,
    origin: log.origin,
    storage: appender.storage,
    writer: appender,
    logVkey,
    hmacKey: loadHmacKey(dir),
    logSigner: { vkey: logVkey, name: log.origin, signer: readLogSigner(dir) },
    reviewerTokens: reviewerTokens(dir),
    indexFile: join(dir, 'console-index.db'),
    dir,
    auditMs: 0,
  });
  const indexMs = performance.now() - i;
  const indexCpu = cpuMs(process.cpuUsage(c));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const figures = { appenderOpenMs: Math.round(opened - t), alertBookMs: Math.round(bookMs), alertBookCpuMs: bookCpu, indexOpenMs: Math.round(indexMs), indexOpenCpuMs: indexCpu, listeningAfterMs: Math.round(performance.now() - t), indexStatus: index.status() };
  return { appender, service, app, index, url, figures, snapshot };
}

async function stop(s: { app: FastifyInstance; service: AlertService; appender: Appender }) {
  await s.app.close();
  await s.service.stop();
  await s.appender.close();
}

/** Waits for the audit the console starts after start-up (it re-reads the whole log); the longest event-loop stall meanwhile is what a page could wait. */
async function audited(index: ConsoleIndex) {
  const t = performance.now();
  const c = process.cpuUsage();
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  while (!index.status().audit) await new Promise((r) => setTimeout(r, 50));
  stalls.disable();
  return { indexAuditMs: Math.round(performance.now() - t), indexAuditCpuMs: cpuMs(process.cpuUsage(c)), indexAuditOk: index.status().audit!.ok, auditLoopStallMaxMs: round(stalls.max / 1e6), auditLoopStallP99Ms: round(stalls.percentile(99) / 1e6) };
}

const root = args.dir === undefined ? mkdtempSync(join(tmpdir(), 'ilog-bench-console-')) : undefined;
try {
  const log = await benchLog(root ? join(root, 'log') : resolve(args.dir!), N, ALERTS, out);
  let s = await start(log);
  out({ phase: 'start', first: log.built !== undefined, ...s.figures, ...(await audited(s.index)) });

  const ch = (await (await fetch(`${s.url}/ui/api/login/challenge`)).json()) as { nonce: string; origin: string; domain: string };
  const login = await fetch(`${s.url}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer: 'alice', nonce: ch.nonce, sig: sign(loadSigner(log.keys.alice!.skey), ch.origin, ch.nonce, ch.domain).sig }) });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf } = (await login.json()) as { csrf: string };

  const queue = await s.service.list();
  const alert = queue.filter((a) => a.recipients.includes('alice') && a.subject !== 'alice')[Math.floor(queue.length / 2)] ?? queue[0]!;
  const patient = patientOf(alert.entries[0]!);
  const mid = alert.time;
  const week = new Date(Date.parse(mid) + 7 * 86_400_000).toISOString();
  const pages: [string, string, object?][] = [
    ['anchor: GET /ui/ (static file)', '/ui/'],
    ['anchor: GET /ui/api/me', '/ui/api/me'],
    ['queue (first 100 by risk)', '/ui/api/v1/alerts'],
    ['queue, page 50', '/ui/api/v1/alerts?offset=5000'],
    ['queue filtered (state open)', '/ui/api/v1/alerts?state=open'],
    ['queue filtered (person, high, open)', `/ui/api/v1/alerts?subject=${alert.subject}&severity=high&state=open`],
    ['queue filtered (rule, one week)', `/ui/api/v1/alerts?rule=watchlist&since=${mid}&until=${week}`],
    ['alert detail', `/ui/api/v1/alerts/${alert.id}`],
    ['alert evidence with proofs', `/ui/api/alerts/${alert.id}/evidence`],
    ['person timeline (subject, alert review)', `/ui/api/person/${alert.subject}/timeline`],
    ['person timeline (a reviewer with many views)', '/ui/api/person/bob/timeline?purpose=bench%20timeline'],
    ['log health', '/ui/api/health'],
    ['record look-up', '/ui/api/lookup', { value: String(patient), purpose: 'bench look-up' }],
    ['record look-up (hot record)', '/ui/api/lookup', { value: String(HOT_PATIENT), purpose: 'bench look-up' }],
    ['subject access report (JSON)', '/ui/api/report', { value: String(patient), purpose: 'bench report', format: 'json' }],
  ];
  {
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      s.appender.storage.readEntries(alert.id, alert.id + 1);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    out({ page: 'anchor: SQLite readEntries (one entry)', runs: RUNS, p50Ms: pct(times, 0.5), p95Ms: pct(times, 0.95), p99Ms: pct(times, 0.99) });
  }
  for (const [name, path, body] of pages) {
    const call = () =>
      fetch(`${s.url}${path}`, body ? { method: 'POST', headers: { cookie, 'x-ilog-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) } : { headers: { cookie } });
    for (let w = 0; w < 3; w++) await (await call()).arrayBuffer();
    const times: number[] = [];
    let bytes = 0;
    let status = 0;
    let items: unknown;
    const cpu = process.cpuUsage();
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      const res = await call();
      const buf = await res.arrayBuffer();
      times.push(performance.now() - t);
      bytes = buf.byteLength;
      status = res.status;
      if (r === 0 && res.headers.get('content-type')?.startsWith('application/json')) {
        const j = JSON.parse(Buffer.from(buf).toString()) as { total?: number; accesses?: unknown[]; total_?: number };
        items = j.total ?? j.accesses?.length;
      }
    }
    const c = process.cpuUsage(cpu);
    times.sort((a, b) => a - b);
    out({ page: name, status, runs: RUNS, bytes, ...(items !== undefined ? { items } : {}), p50Ms: pct(times, 0.5), p95Ms: pct(times, 0.95), p99Ms: pct(times, 0.99), cpuMsPerRequest: round((c.user + c.system) / 1000 / RUNS) });
  }
  out({ phase: 'pages done', logSize: s.appender.storage.size() });

  // A restart: the book from the snapshot the first start left, the side index as it is.
  await s.appender.checkpoint();
  s.snapshot.armed = true;
  await s.service.refresh();
  await stop(s);
  s = await start(log);
  out({ phase: 'restart', ...s.figures, ...(await audited(s.index)) });
  await stop(s);
} finally {
  if (root) rmSync(root, { recursive: true, force: true });
}

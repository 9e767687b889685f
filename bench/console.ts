// Console benchmark (docs/console.md "Figures"): a log of --entries entries
// (default 1,000,000: proxied and application accesses with their outcomes, and
// --alerts alert.raised entries, default 10,000), appended in bulk through the
// storage API, integrated and signed; then the console served in this process
// over loopback HTTP, as a signed-in reviewer: each page's wall time (p50, p95)
// and the process CPU per request, the record look-up and the subject access
// report; the anchor, in the same run, is GET /ui/api/me (the HTTP stack and the
// session check, no data) and a direct SQLite read of one entry.
// Every page that shows data appends its view to the log (durable) as in
// production, so that cost is in the figures. Alerts are written in the clear
// form the alert book also reads (sealing 10,000 bodies would time age, not the console).
//   npm run bench:console -- [--entries 1000000] [--alerts 10000] [--runs 40]
import canonicalize from 'canonicalize';
import Fastify from 'fastify';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openAlertService, reviewerTokens } from '../src/server/alerting.js';
import { generateReviewerKey } from '../src/alert/reviewer-key.js';
import { hmacValue, loadHmacKey } from '../src/capture/pg/entries.js';
import { loadSigner, sign } from '../src/governance/signing.js';
import { registerConsole } from '../src/http/console-routes.js';
import { encodeEntry } from '../src/ledger/entry.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { readLogSigner } from '../src/log/appender-files.js';
import '../src/alert/entries.js';

const { values: args } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, alerts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '40' } } });
const N = Number(args.entries);
const ALERTS = Number(args.alerts);
const RUNS = Number(args.runs);
const PERSONS = 2000;
const PATIENTS = 200_000;
const origin = 'bench.example/console';
const root = mkdtempSync(join(tmpdir(), 'ilog-bench-console-'));
const dir = join(root, 'log');
const load = () => loadavg()[0]!.toFixed(1);
const out = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'console', ...o, load1: load(), cpus: availableParallelism() }));
const round = (x: number) => Math.round(x * 100) / 100;

try {
  await initLog(dir, { origin });
  const hmacKey = loadHmacKey(dir);
  const reviewers = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const hook = { webhook: { url: 'http://127.0.0.1:9/hook', secret: 'a-bench-secret-of-32-characters!' } };
  writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers: Object.fromEntries(reviewers.map((r) => [r, hook])), groups: { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } }, rules: [{ rule: ['watchlist'], group: 'privacy' }], fallback: 'security' }));

  // Entries: each step an access and its outcome; every (N / ALERTS)th entry an alert citing the access before it.
  const SQL = 'SELECT * FROM patients WHERE id = $1';
  const statement = (id: number) => ({ kind: 'select', sha256: createHash('sha256').update(SQL).digest('hex'), text: SQL, values: [hmacValue(hmacKey, String(id))] });
  const t0 = Date.parse('2026-10-01T00:00:00Z');
  const timeOf = (i: number) => new Date(t0 + Math.floor((i / N) * 60 * 86_400_000)).toISOString();
  const person = (i: number) => `p${String((i * 7919) % PERSONS).padStart(4, '0')}`;
  const every = Math.max(2, Math.floor(N / Math.max(1, ALERTS)));
  let lastAccess = 0;
  let alerts = 0;
  const entryAt = (i: number): object => {
    if (i % every === every - 1 && alerts < ALERTS) {
      alerts++;
      return { alsoConcerns: [], entries: [lastAccess], finding: `f${i}`, group: 'privacy', kind: 'alert.raised', reasons: ['looked up a watch-listed record'], recipients: ['alice', 'bob'], route: 'rule', rule: 'watchlist', score: 50 + (i % 50), severity: i % 3 === 0 ? 'high' : 'medium', subject: person(lastAccess), time: timeOf(i), v: 1 };
    }
    if (i === lastAccess + 1 && i > 1) return { access: lastAccess, durationMs: 1, kind: 'outcome', status: 'ok', time: timeOf(i), v: 1 };
    lastAccess = i;
    const p = person(i);
    const patient = (i * 104_729) % PATIENTS;
    return i % 10 === 0
      ? { action: 'view', kind: 'access', person: p, purpose: `case ${i % 97}`, resource: { ids: [`customer-${patient}`], type: 'customer' }, source: 'app:crm', time: timeOf(i), v: 1 }
      : { action: 'select', kind: 'access', person: p, purpose: `case ${i % 97}`, relations: ['public.patients'], source: 'pg-proxy', statement: statement(patient), time: timeOf(i), v: 1 };
  };

  // Build: bulk appendBatch through the storage API (keys written in RFC 8785 order; the first
  // thousand are checked against the validating encoder), then integrate and sign once.
  const buildStart = performance.now();
  let appender = await Appender.open(dir, { writerThread: false });
  const enc = new TextEncoder();
  const first = appender.storage.size();
  for (let from = first; from < N; from += 50_000) {
    const batch: Uint8Array[] = [];
    for (let i = from; i < Math.min(N, from + 50_000); i++) {
      const e = entryAt(i);
      const bytes = enc.encode(JSON.stringify(e));
      if (i < first + 1000 && Buffer.compare(Buffer.from(bytes), Buffer.from(encodeEntry(e))) !== 0) throw new Error(`bench entry ${i} is not canonical or not valid: ${canonicalize(e)}`);
      batch.push(bytes);
    }
    appender.storage.appendBatch(batch);
  }
  const appendMs = performance.now() - buildStart;
  const integrateStart = performance.now();
  await appender.checkpoint();
  await appender.close();
  appender = await Appender.open(dir);
  out({ phase: 'build', entries: appender.storage.size(), alerts, appendMs: Math.round(appendMs), integrateAndSignMs: Math.round(performance.now() - integrateStart) });

  // The console, as `ilog serve` registers it (without the detector, which would re-read the log).
  const keys = Object.fromEntries(await Promise.all(reviewers.map(async (r) => [r, await generateReviewerKey(r)] as const)));
  const reviewerKeys = { at: (r: string) => keys[r], current: (r: string) => keys[r] };
  const service = openAlertService(dir, appender, appender.storage, { keys: reviewerKeys });
  const bookStart = performance.now();
  const raised = await service.list();
  const bookMs = performance.now() - bookStart;
  const logVkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  const app = Fastify();
  const indexStart = performance.now();
  const cpuIndex = process.cpuUsage();
  const index = await registerConsole(app, {
    service,
    keys: reviewerKeys,
    origin,
    storage: appender.storage,
    writer: appender,
    logVkey,
    hmacKey,
    logSigner: { vkey: logVkey, name: origin, signer: readLogSigner(dir) },
    reviewerTokens: reviewerTokens(dir),
    indexFile: join(dir, 'console-index.db'),
    auditMs: 0,
  });
  const indexCpu = process.cpuUsage(cpuIndex);
  // The audit after start re-reads the whole log in the background: let it finish before timing pages.
  const auditStart = performance.now();
  while (!index.status().audit) await new Promise((r) => setTimeout(r, 50));
  const auditMs = performance.now() - auditStart;
  out({ phase: 'start', alertsInBook: raised.length, alertBookReplayMs: Math.round(bookMs), indexBuildMs: Math.round(performance.now() - indexStart), indexBuildCpuMs: Math.round((indexCpu.user + indexCpu.system) / 1000), indexAuditMs: Math.round(auditMs), indexAuditOk: index.status().audit?.ok });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const ch = (await (await fetch(`${url}/ui/api/login/challenge`)).json()) as { nonce: string; origin: string; domain: string };
  const login = await fetch(`${url}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer: 'alice', nonce: ch.nonce, sig: sign(loadSigner(keys.alice!.skey), ch.origin, ch.nonce, ch.domain).sig }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf } = (await login.json()) as { csrf: string };

  const alert = raised[Math.floor(raised.length / 2)]!;
  const subject = alert.subject;
  const patient = (alert.entries[0]! * 104_729) % PATIENTS; // the record of the access the alert cites
  const pages: [string, string, object?][] = [
    ['anchor: GET /ui/api/me', '/ui/api/me'],
    ['queue (first 100 by risk)', '/ui/api/v1/alerts'],
    ['queue filtered (person, high, open)', `/ui/api/v1/alerts?subject=${subject}&severity=high&state=open`],
    ['alert detail', `/ui/api/v1/alerts/${alert.id}`],
    ['alert evidence with proofs', `/ui/api/alerts/${alert.id}/evidence`],
    ['person timeline', `/ui/api/person/${subject}/timeline`],
    ['log health', '/ui/api/health'],
    ['record look-up', '/ui/api/lookup', { value: String(patient), purpose: 'bench look-up' }],
    ['subject access report (JSON)', '/ui/api/report', { value: String(patient), purpose: 'bench report', format: 'json' }],
  ];
  // The direct anchor: one entry read from SQLite.
  {
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      appender.storage.readEntries(alert.id, alert.id + 1);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    out({ page: 'anchor: SQLite readEntries (one entry)', runs: RUNS, p50Ms: round(times[Math.floor(RUNS / 2)]!), p95Ms: round(times[Math.ceil(RUNS * 0.95) - 1]!) });
  }
  for (const [name, path, body] of pages) {
    const call = () =>
      fetch(`${url}${path}`, body ? { method: 'POST', headers: { cookie, 'x-ilog-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) } : { headers: { cookie } });
    for (let w = 0; w < 3; w++) await (await call()).arrayBuffer();
    const times: number[] = [];
    let bytes = 0;
    let status = 0;
    const cpu = process.cpuUsage();
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now();
      const res = await call();
      bytes = (await res.arrayBuffer()).byteLength;
      times.push(performance.now() - t);
      status = res.status;
    }
    const c = process.cpuUsage(cpu);
    times.sort((a, b) => a - b);
    out({ page: name, status, runs: RUNS, bytes, p50Ms: round(times[Math.floor(RUNS / 2)]!), p95Ms: round(times[Math.ceil(RUNS * 0.95) - 1]!), cpuMsPerRequest: round((c.user + c.system) / 1000 / RUNS) });
  }
  const lookup = (await (await fetch(`${url}/ui/api/lookup`, { method: 'POST', headers: { cookie, 'x-ilog-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ value: String(patient), purpose: 'bench check' }) })).json()) as { accesses: unknown[] };
  out({ phase: 'check', lookupAccesses: lookup.accesses.length, logSizeAfter: appender.storage.size() });
  await app.close();
  await service.stop();
  await appender.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}

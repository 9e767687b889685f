// Detector and ingest throughput, JSON lines, each against an anchor measured
// in the same run (the machine is shared: compare ratios, not absolutes):
// - detect.observe: entries scored per second on generated traffic (built in
//   memory first), for a shape without context feeds and for one with them
//   (every access then tries the relationship book and the learned groups);
//   anchor: reading the same entries with viewEntry alone.
// - detect.ingest: app accesses per second through POST /v1/access batches
//   (JSON arrays of --batch accesses, 4 requests in flight) into a real SQLite
//   log, each batch one durable commit; anchor: Appender.appendMany of the same
//   entries without HTTP.
// Usage: npm run bench:detect [-- --people 300 --days 14 --ingest 200000 --batch 5000]
import Fastify from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataset } from '../eval/evaluate.js';
import { TokenStore } from '../src/capture/app/token-store.js';
import { Detector } from '../src/detect/detector.js';
import { viewEntry } from '../src/detect/entry-view.js';
import { appAccessRoutes } from '../src/http/app-access.js';
import { initLog } from '../src/log/appender-init.js';
import { Appender } from '../src/log/appender.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const people = arg('people', 300);
const days = arg('days', 14);

function timed(f: () => number): { ms: number; cpuMs: number; out: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const out = f();
  const cpu = process.cpuUsage(c0);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, out };
}

for (const [shape, context] of only === 'ingest' ? [] : ([['ward', false], ['bank', true]] as const)) {
  const ds = dataset({ seed: 11, people, days, warmupDays: 5, perScenario: 1, inject: true, budgetPer1000: 5, shape, context }, true);
  const entries: { index: number; entry: Record<string, unknown> }[] = [];
  for (const b of ds.days()) entries.push(...b.entries);
  const anchor = timed(() => entries.reduce((n, { entry }) => n + (viewEntry(entry) ? 1 : 0), 0));
  for (const run of [1, 2]) {
    const detector = new Detector(ds.detectorConfig);
    const r = timed(() => entries.reduce((n, { index, entry }) => n + detector.observe(index, entry).length, 0));
    console.log(
      JSON.stringify({
        bench: 'detect.observe',
        shape,
        context,
        run,
        people: ds.people,
        days,
        entries: entries.length,
        findings: r.out,
        ms: Math.round(r.ms),
        cpuMs: Math.round(r.cpuMs),
        entriesPerSec: Math.round(entries.length / (r.ms / 1000)),
        entriesPerCpuSec: Math.round(entries.length / (r.cpuMs / 1000)),
        anchorViewPerCpuSec: Math.round(entries.length / (anchor.cpuMs / 1000)),
      }),
    );
  }
}

// Ingest through the batch API into a durable log.
const total = only === 'observe' ? 0 : arg('ingest', 200_000);
const batch = arg('batch', 5000);
const access = (i: number) => ({ actor: `agent${i % 500}`, action: 'view', resource: { type: 'customer', id: `c-${i % 50_000}` }, purpose: `ticket ${i % 997}`, role: 'agent', client: { address: `10.0.${i % 200}.1` } });
if (total > 0) {
const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-detect-'));
try {
  await initLog(dir, { origin: 'bench.example/detect' });
  const appender = await Appender.open(dir);
  const tokens = new TokenStore(join(dir, 'apps.json'), 'ilog_app_');
  const token = tokens.add('crm');
  const app = Fastify();
  await app.register(appAccessRoutes, { writer: appender, tokens });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const bodies: string[] = [];
  for (let i = 0; i < total; i += batch) bodies.push(JSON.stringify(Array.from({ length: Math.min(batch, total - i) }, (_, k) => access(i + k))));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await fetch(`${url}/v1/access`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      if (res.status !== 201) throw new Error(`POST /v1/access answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const apiMs = performance.now() - t0;
  const apiCpu = process.cpuUsage(c0);
  // Anchor: the same number of entries straight into the Appender, one commit per batch.
  const now = new Date().toISOString();
  const direct = Array.from({ length: total }, (_, i) => ({ v: 1, kind: 'access', time: now, source: 'app:crm', person: `agent${i % 500}`, action: 'view', resource: { type: 'customer', ids: [`c-${i % 50_000}`] } }));
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const chunks = [];
  for (let i = 0; i < total; i += batch) chunks.push(appender.appendMany(direct.slice(i, i + batch)));
  await Promise.all(chunks);
  const directMs = performance.now() - t1;
  const directCpu = process.cpuUsage(c1);
  // Process CPU (every thread: HTTP client and server, validation, encoding, the writer thread, hashing) per access.
  const usPer = (c: NodeJS.CpuUsage) => Math.round(((c.user + c.system) / total) * 10) / 10;
  await app.close();
  await appender.close();
  console.log(JSON.stringify({ bench: 'detect.ingest', accesses: total, batch, inFlight: 4, ms: Math.round(apiMs), accessesPerSec: Math.round(total / (apiMs / 1000)), cpuUsPerAccess: usPer(apiCpu), anchorAppendManyPerSec: Math.round(total / (directMs / 1000)), anchorCpuUsPerAccess: usPer(directCpu), durable: true }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}

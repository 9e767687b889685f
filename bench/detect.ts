// Detector and ingest throughput, JSON lines, each against an anchor measured
// in the same run (the machine is shared: compare ratios, not absolutes):
// - detect.observe: entries scored per second on generated traffic (built in
//   memory first), for a shape without context feeds and for one with them
//   (every access then tries the relationship book and the learned groups);
//   anchor: reading the same entries with viewEntry alone. The entries are what
//   the detector gets in `ilog serve`: each one encoded and decoded again
//   (`decodeEntry`, as the follower hands it over), in log order. `--generated`
//   observes the generator's own objects instead (how this was measured before
//   7 December 2026, 20:00 UTC): they lie scattered over the heap in generation order, not
//   log order, and reading them costs cache misses the follower's entries do not
//   (docs/detect.md, Benchmark). `--runs N` (default 2): detectors per shape.
//   `--cpu-profile <prefix>`: profile the last run of each shape (line numbers
//   are tsx's; build with tsc and run the .js for lines that map to the source).
// - detect.ingest: app accesses per second through POST /v1/access batches
//   (JSON arrays of --batch accesses, --in-flight requests, default 4, from a
//   client process) into a real SQLite log, each batch one durable commit;
//   anchor: Appender.appendMany of the same entries as canonical bytes (the log alone).
// Usage: npm run bench:detect [-- --people 300 --days 14 --ingest 200000 --batch 5000 --in-flight 4 --runs 2 --generated --cpu-profile /tmp/detect]
import Fastify from 'fastify';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataset } from '../eval/evaluate.js';
import { TokenStore } from '../src/capture/app/token-store.js';
import { Detector } from '../src/detect/detector.js';
import { viewEntry } from '../src/detect/entry-view.js';
import { decodeEntry, encodeEntry } from '../src/ledger/entry.js';
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
const runs = arg('runs', 2);
const generated = process.argv.includes('--generated');
/** `--cpu-profile <prefix>`: the last run of each shape under the inspector's CPU profiler, written to <prefix>-<shape>.cpuprofile. */
const profile = process.argv.includes('--cpu-profile') ? process.argv[process.argv.indexOf('--cpu-profile') + 1] : undefined;
const inspector = profile ? new Session() : undefined;
inspector?.connect();

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
  for (const b of ds.days()) for (const { index, entry } of b.entries) entries.push({ index, entry: generated ? entry : decodeEntry(encodeEntry(entry)) });
  const anchor = timed(() => entries.reduce((n, { entry }) => n + (viewEntry(entry) ? 1 : 0), 0));
  for (let run = 1; run <= runs; run++) {
    const detector = new Detector(ds.detectorConfig);
    const profiled = inspector !== undefined && run === runs;
    if (profiled) {
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.setSamplingInterval', { interval: 200 }); // µs
      await inspector.post('Profiler.start');
    }
    const r = timed(() => entries.reduce((n, { index, entry }) => n + detector.observe(index, entry).length, 0));
    if (profiled) writeFileSync(`${profile}-${shape}.cpuprofile`, JSON.stringify((await inspector.post('Profiler.stop')).profile));
    console.log(
      JSON.stringify({
        bench: 'detect.observe',
        shape,
        context,
        entriesFrom: generated ? 'generator' : 'decodeEntry',
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

// Ingest through the batch API into a durable log; the client runs in its own process
// (bench/ingest-client.ts), so cpuUsPerAccess is the server's alone (every thread of it).
const total = only === 'observe' ? 0 : arg('ingest', 200_000);
const batch = arg('batch', 5000);
const inFlight = arg('in-flight', 4);
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
  // A running server writes on its writer thread: wait for it as a long-lived `ilog serve` would have.
  while (appender.stats().writer !== 'thread') await new Promise((r) => setTimeout(r, 10));
  const client = fork(new URL('./ingest-client.ts', import.meta.url).pathname, [url, token, String(total), String(batch), String(inFlight)], { execArgv: ['--import', 'tsx'] });
  const message = () => new Promise<unknown>((resolve, reject) => (client.once('message', resolve), client.once('exit', (code) => reject(new Error(`the ingest client exited (${code})`)))));
  await message(); // bodies built
  const c0 = process.cpuUsage();
  client.send('go');
  const done = (await message()) as { ms: number; cpuUs: number };
  const apiCpu = process.cpuUsage(c0);
  const apiMs = done.ms;
  // Anchor: the log alone, the same entries as canonical bytes encoded beforehand straight into the Appender, one commit per batch.
  const now = new Date().toISOString();
  const direct = Array.from({ length: total }, (_, i) => encodeEntry({ v: 1, kind: 'access', time: now, source: 'app:crm', person: `agent${i % 500}`, action: 'view', resource: { type: 'customer', ids: [`c-${i % 50_000}`] }, purpose: `ticket ${i % 997}`, role: 'agent', client: { address: `10.0.${i % 200}.1` } }));
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const chunks = [];
  for (let i = 0; i < total; i += batch) chunks.push(appender.appendMany(direct.slice(i, i + batch)));
  await Promise.all(chunks);
  const directMs = performance.now() - t1;
  const directCpu = process.cpuUsage(c1);
  // Server process CPU (every thread: HTTP server, validation, encoding, the writer thread, hashing) per access.
  const usPer = (c: NodeJS.CpuUsage) => Math.round(((c.user + c.system) / total) * 10) / 10;
  await app.close();
  await appender.close();
  console.log(JSON.stringify({ bench: 'detect.ingest', accesses: total, batch, inFlight, ms: Math.round(apiMs), accessesPerSec: Math.round(total / (apiMs / 1000)), cpuUsPerAccess: usPer(apiCpu), clientCpuUsPerAccess: Math.round((done.cpuUs / total) * 10) / 10, anchorAppendBytesPerSec: Math.round(total / (directMs / 1000)), anchorCpuUsPerEntry: usPer(directCpu), durable: true }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
}

// Benchmark of `ilog verify` (src/log/verify.ts) on a large log: entries/s for
// worker and inline runs, with and without schema decoding. Prints JSON lines.
//   npm run bench:verify -- [--entries 1000000] [--dir <log dir to reuse>]
// The log is built once with the storage area's Appender into a temp dir and
// reused on later runs (delete it to rebuild).
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntry } from '../src/ledger/entry.js';
import { initLog } from '../src/log/appender-init.js';
import { Appender } from '../src/log/appender.js';
import { verifyLog } from '../src/log/verify.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const entries = Number(arg('entries', '1000000'));
const dir = arg('dir', join(tmpdir(), `ilog-bench-verify-${entries}`));

function entry(i: number): Uint8Array {
  return encodeEntry({
    v: 1, kind: 'access', time: new Date(Date.UTC(2026, 0, 1) + i).toISOString(), source: 'pg-proxy', person: `user${i % 50}`,
    session: i % 1000, database: 'app', action: 'select', relations: ['public.patients'], purpose: 'ticket 123',
    statement: { kind: 'select', text: 'SELECT * FROM patients WHERE id = $1', sha256: 'a'.repeat(64), values: ['b'.repeat(64)] },
  });
}

async function build(): Promise<void> {
  const started = performance.now();
  await initLog(dir, { origin: 'bench.example/verify' });
  const appender = await Appender.open(dir);
  const one = entry(1); // identical bytes are fine for hashing cost; vary a little per batch
  for (let i = 1; i < entries; i += 16_384) {
    const n = Math.min(16_384, entries - i);
    await appender.appendMany(Array.from({ length: n }, (_, k) => ((i + k) % 97 === 0 ? entry(i + k) : one)));
  }
  await appender.checkpoint();
  await appender.close();
  console.log(JSON.stringify({ bench: 'verify-build', entries, seconds: (performance.now() - started) / 1000 }));
}

if (!existsSync(join(dir, 'config.json'))) await build();

// Worker start-up, measured apart: under tsx (this bench) each worker compiles TypeScript for
// 1-2 CPU-seconds, which the shipped CLI (dist/, plain JS) does not pay. A 1-tile log makes
// the run all start-up; subtract this from the worker runs below for the dist/ figure.
{
  const tiny = join(tmpdir(), 'ilog-bench-verify-startup');
  if (!existsSync(join(tiny, 'config.json'))) await initLog(tiny, { origin: 'bench.example/startup' });
  const cpu0 = process.cpuUsage();
  await verifyLog({ source: { kind: 'dir', dir: tiny }, workers: 2, startInline: false });
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ bench: 'verify-worker-startup', workers: 2, cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)) }));
}

for (const run of [
  { workers: 2, decode: false },
  { workers: 2, decode: true },
  { workers: 0, decode: false },
]) {
  const started = performance.now();
  const cpu0 = process.cpuUsage(); // all threads of this process, workers included
  const r = await verifyLog({ source: { kind: 'dir', dir }, workers: run.workers, decode: run.decode });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // CPU time is the figure that survives a shared machine: entries per CPU-second per core.
  console.log(JSON.stringify({
    bench: 'verify', entries: r.size, workers: run.workers, decode: run.decode, seconds: Number(seconds.toFixed(3)),
    entriesPerSec: Math.round(r.size / seconds), cpuSeconds: Number(cpuSeconds.toFixed(3)), entriesPerCpuSec: Math.round(r.size / cpuSeconds),
    loadAverage: loadavg()[0],
  }));
}

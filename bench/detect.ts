// Detector throughput: entries observed per second on generated hospital
// traffic (eval/generator.ts), after the dataset is built in memory so only
// detection is timed. Prints JSON lines.
// Usage: npm run bench:detect [-- --people N --days N]
import { Detector } from '../src/detect/detector.js';
import { generate } from '../eval/generator.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const people = arg('people', 500);
const days = arg('days', 14);
const ds = generate({ seed: 11, people, days, warmupDays: 5, perScenario: 2, inject: true });
const entries: { index: number; entry: Record<string, unknown> }[] = [];
for (const b of ds.days()) entries.push(...b.entries);
const accesses = entries.filter((e) => e.entry.kind === 'access').length;

for (const run of [1, 2, 3]) {
  const detector = new Detector(ds.detectorConfig);
  let findings = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (const { index, entry } of entries) findings += detector.observe(index, entry).length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // CPU time of this process: on a shared machine wall time also counts other people's work.
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    JSON.stringify({
      bench: 'detect.observe',
      run,
      people,
      days,
      entries: entries.length,
      accesses,
      findings,
      ms: Math.round(ms),
      cpuMs: Math.round(cpuMs),
      entriesPerSec: Math.round(entries.length / (ms / 1000)),
      entriesPerCpuSec: Math.round(entries.length / (cpuMs / 1000)),
    }),
  );
}

// Snapshot cost at the end of the stream (restart path).
const detector = new Detector(ds.detectorConfig);
for (const { index, entry } of entries) detector.observe(index, entry);
const t0 = process.hrtime.bigint();
const json = JSON.stringify(detector.snapshot());
const t1 = process.hrtime.bigint();
Detector.restore(JSON.parse(json), ds.detectorConfig);
const t2 = process.hrtime.bigint();
console.log(JSON.stringify({ bench: 'detect.snapshot', people, bytes: json.length, snapshotMs: Math.round(Number(t1 - t0) / 1e6), restoreMs: Math.round(Number(t2 - t1) / 1e6) }));

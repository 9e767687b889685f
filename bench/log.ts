// Log write path and proof benchmark; prints one JSON line per figure.
//   npm run bench:log -- [--entries 1000000] [--concurrency 2000] [--entry-size 300] [--dir DIR]
// 1. durable appends/s through Appender.append from many concurrent callers
//    (pre-encoded entries: this measures the log, not JSON canonicalisation);
// 2. append → integrated latency (awaitIntegrated: signed checkpoint + proof),
//    sampled during that load;
// 3. inclusion and consistency proof generation on the resulting log (TileCache,
//    default capacity), first from a cold cache, then warm.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { consistencyProof, inclusionProof } from '../src/ledger/merkle.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { TileCache } from '../src/storage/tile-cache.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    concurrency: { type: 'string', default: '2000' },
    'entry-size': { type: 'string', default: '300' },
    'sample-every': { type: 'string', default: '1000' },
    proofs: { type: 'string', default: '20000' },
    dir: { type: 'string' },
  },
});
const N = Number(args.entries);
const CONCURRENCY = Number(args.concurrency);
const ENTRY_SIZE = Number(args['entry-size']);
const SAMPLE_EVERY = Number(args['sample-every']);
const PROOFS = Number(args.proofs);

const print = (o: Record<string, unknown>): void => console.log(JSON.stringify(o));
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const ms = (x: number): number => Math.round(x * 1000) / 1000;
function summary(samples: number[]): { samples: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { samples: s.length, p50Ms: ms(quantile(s, 0.5)), p99Ms: ms(quantile(s, 0.99)), maxMs: ms(s[s.length - 1] ?? NaN) };
}

/** Distinct entries of ENTRY_SIZE bytes: a template with the index written in (cheap to make). */
const TEMPLATE = Buffer.from(`{"bench":"${' '.repeat(16)}","pad":"${'x'.repeat(Math.max(0, ENTRY_SIZE - 37))}"}`);
function entry(i: number): Uint8Array {
  const e = new Uint8Array(TEMPLATE);
  Buffer.from(e.buffer).write(String(i).padStart(16, '0'), 10, 'latin1');
  return e;
}

const root = args.dir ?? mkdtempSync(join(os.tmpdir(), 'ilog-bench-'));
const dir = join(root, 'log');
try {
  await initLog(dir, { origin: 'bench.example/log' });
  const appender = await Appender.open(dir);
  // Measure the steady state: writes on the writer thread, which starts in the background.
  for (let i = 0; i < 600 && appender.stats().writer !== 'thread'; i++) await new Promise((r) => setTimeout(r, 50));

  // 1 + 2: throughput under many concurrent callers, latency sampled meanwhile.
  const latencies: Promise<number>[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage(); // all threads: main + writer thread
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      const t0 = performance.now();
      const index = await appender.append(entry(i));
      if (i % SAMPLE_EVERY === 0) latencies.push(appender.awaitIntegrated(index).then(() => performance.now() - t0));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const appendSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const s = appender.stats();
  print({
    bench: 'log.append', entries: N, entrySize: ENTRY_SIZE, concurrency: CONCURRENCY, seconds: ms(appendSeconds),
    appendsPerSec: Math.round(N / appendSeconds), commits: s.commits, meanBatch: Math.round(s.committed / s.commits),
    integratedAtEnd: s.integratedSize, writer: s.writer,
    // CPU time per entry (user + system, all threads): the figure that does not depend on how busy the machine is.
    cpuMicrosPerEntry: ms((cpu.user + cpu.system) / N), loadAverage: os.loadavg()[0],
  });
  const lat = await Promise.all(latencies);
  const integratedSeconds = (performance.now() - started) / 1000;
  print({ bench: 'log.append_to_integrated', ...summary(lat), allIntegratedSeconds: ms(integratedSeconds), checkpointsSigned: appender.stats().checkpointsSigned });

  // 3: proofs on the log just written, from a cold TileCache (default size).
  const size = appender.storage.integratedSize();
  const tiles = new TileCache((l, i, w) => appender.storage.readTile(l, i, w));
  const nodes = tiles.nodeReader(size);
  const rand = (n: number): number => Math.floor(Math.random() * n);
  // Wall time, and CPU time (process.cpuUsage, µs resolution): on a busy machine the
  // wall-clock tail is the scheduler's, the CPU-time tail is the proof's own.
  const timed = (fn: () => void): [wall: number, cpu: number] => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return [wall, (c.user + c.system) / 1000];
  };
  const report = (bench: string, samples: [number, number][], extra: Record<string, unknown> = {}): void => {
    const cpu = summary(samples.map((x) => x[1]));
    print({ bench, treeSize: size, ...extra, ...summary(samples.map((x) => x[0])), cpuP50Ms: cpu.p50Ms, cpuP99Ms: cpu.p99Ms });
  };
  // First pass from a cold cache (each new level-0 tile costs 255 hashes), second pass warm.
  for (const cache of ['cold', 'warm']) {
    const incl = Array.from({ length: PROOFS }, () => timed(() => inclusionProof(rand(size), size, nodes)));
    report('log.inclusion_proof', incl, { cache, cachedTiles: tiles.size });
  }
  const cons = Array.from({ length: PROOFS }, () => {
    const old = 1 + rand(size - 1);
    return timed(() => consistencyProof(old, size, nodes));
  });
  report('log.consistency_proof', cons);
  await appender.close();
} finally {
  if (!args.dir) rmSync(root, { recursive: true, force: true });
}

// Replay benchmark: what proving every replayed entry into the signed tree
// (src/log/proven-log.ts) costs against reading log.db unchecked, in the same
// run. Prints one JSON line per figure.
//   npm run bench:replay -- [--entries 200000] [--runs 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PolicyMachine } from '../src/governance/machine.js';
import { advance } from '../src/governance/replay.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { ProvenLog, type EntryReader } from '../src/log/proven-log.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { accessEntry } from '../test/verify/build-log.js';

const { values: args } = parseArgs({ options: { entries: { type: 'string', default: '200000' }, runs: { type: 'string', default: '3' } } });
const N = Number(args.entries);
const RUNS = Number(args.runs);
const root = mkdtempSync(join(tmpdir(), 'ilog-bench-replay-'));
const dir = join(root, 'log');

function best(run: () => void): number {
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    run();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/** Reads every entry in batches of 4,096 (what the Follower and governance replay do). */
function readAll(reader: EntryReader): number {
  let n = 0;
  for (let from = 0, size = reader.size(); from < size; ) {
    const batch = reader.readEntries(from, size, 4096);
    n += batch.length;
    from += batch.length;
  }
  return n;
}

try {
  await initLog(dir, { origin: 'bench.example/replay' });
  const appender = await Appender.open(dir);
  for (let i = 0; i < N; i += 10_000) await appender.appendMany(Array.from({ length: Math.min(10_000, N - i) }, (_, k) => accessEntry(i + k)));
  await appender.checkpoint();
  await appender.close();
  const storage = SqliteLogStorage.open(dir, { readonly: true });
  const facts = { entries: storage.size(), cores: availableParallelism(), load1: loadavg()[0], runs: RUNS };
  const rawRead = best(() => readAll(storage));
  const provenRead = best(() => readAll(ProvenLog.forDir(dir, storage)));
  const rawGov = best(() => advance(new PolicyMachine(), storage));
  const provenGov = best(() => advance(new PolicyMachine(), ProvenLog.forDir(dir, storage)));
  const line = (name: string, ms: number, anchorMs: number) =>
    console.log(JSON.stringify({ bench: 'replay', name, ms: Math.round(ms), entriesPerSec: Math.round((facts.entries / ms) * 1000), vsUnchecked: +(ms / anchorMs).toFixed(2), ...facts }));
  line('read unchecked (anchor)', rawRead, rawRead);
  line('read proven', provenRead, rawRead);
  line('governance replay unchecked (anchor)', rawGov, rawGov);
  line('governance replay proven', provenGov, rawGov);
  storage.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}

// Witness-area benchmarks, one JSON line per figure:
//   add-checkpoint   requests/s one `ilog witness` process sustains (growing
//                    checkpoints of --logs logs, one client loop per log, keep-alive);
//   publish-latency  checkpoint signed → published under 2-of-3, three witness processes (p50/p99);
//   mirror-catchup   entries/s an `ilog mirror --once` process copies and verifies from a
//                    log of --entries entries (default 1,000,000) served over HTTP on loopback.
// Usage: npm run bench:witness -- [--entries N] [--requests N] [--logs N] [--rounds N] [--only name] [--formats sqlite,tiles]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCheckpoint } from '../src/ledger/checkpoint.js';
import { leafHash } from '../src/ledger/hash.js';
import { consistencyProof } from '../src/ledger/merkle.js';
import { MemoryTree } from '../src/ledger/memory-tree.js';
import { generateKey, signerFromKey, signNote } from '../src/ledger/note.js';
import { TileBuilder } from '../src/ledger/tile-builder.js';
import { createLogServer, listen } from '../src/http/log-server.js';
import { SqliteLogStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { addCheckpoint } from '../src/witness/witness-client.js';
import { initWitnessDir } from '../src/witness/witness-files.js';
import { parsePolicy } from '../src/witness/policy.js';
import { WitnessPublisher } from '../src/witness/publisher.js';
import { entriesFor } from '../test/witness/fixtures.js';
import { startCli, stopAll } from '../test/witness/processes.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const formats = (args.includes('--formats') ? args[args.indexOf('--formats') + 1]! : 'sqlite,tiles').split(',');
const tmp = mkdtempSync(join(tmpdir(), 'ilog-bench-witness-'));
const emit = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify({ bench: 'witness', ...o }) + '\n');
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(2));
};

async function benchAddCheckpoint(): Promise<void> {
  const logs = opt('logs', 16);
  const perLog = Math.ceil(opt('requests', 8000) / logs);
  const keys = Array.from({ length: logs }, (_, i) => generateKey(`bench.example/log${i}`));
  const dir = join(tmp, 'witness');
  await initWitnessDir(dir, 'bench.example/witness', keys.map((k) => k.vkey));
  const w = await startCli(['witness', '--dir', dir, '--listen', '127.0.0.1:0', '--json'], /"listening":"([^"]+)"/);
  // Pre-build every request so that only the witness is measured: log i grows by one entry per request.
  const bodies = keys.map((k) => {
    const tree = new MemoryTree();
    const signer = signerFromKey(k.skey);
    const out: { oldSize: number; proof: Uint8Array[]; checkpoint: string }[] = [];
    for (let n = 1; n <= perLog; n++) {
      tree.appendLeafHash(leafHash(Buffer.from(`entry ${n}`)));
      const note = signNote(formatCheckpoint({ origin: k.vkey.split('+')[0]!, size: n, root: tree.root(), extensions: [] }), signer);
      out.push({ oldSize: n - 1, proof: consistencyProof(n - 1, n, tree.nodes), checkpoint: note });
    }
    return out;
  });
  const t0 = performance.now();
  await Promise.all(
    bodies.map(async (reqs) => {
      for (const r of reqs) {
        const res = await addCheckpoint(w.match[1]!, r);
        if (res.kind !== 'cosigned') throw new Error(`witness answered ${JSON.stringify(res)}`);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  emit({ name: 'add-checkpoint', requests: logs * perLog, logs, seconds: Number(s.toFixed(2)), requestsPerSecond: Math.round((logs * perLog) / s) });
  await w.stop();
}

async function benchPublishLatency(): Promise<void> {
  const rounds = opt('rounds', 200);
  const logKey = generateKey('bench.example/published-log');
  const ws = await Promise.all(
    ['w1', 'w2', 'w3'].map(async (name) => {
      const dir = join(tmp, `pub-${name}`);
      const { vkey } = await initWitnessDir(dir, `${name}.bench.example`, [logKey.vkey]);
      const proc = await startCli(['witness', '--dir', dir, '--listen', '127.0.0.1:0', '--json'], /"listening":"([^"]+)"/);
      return { name, vkey, url: proc.match[1]!, proc };
    }),
  );
  const logDir = join(tmp, 'pub-log');
  const storage = SqliteLogStorage.open(logDir);
  const policy = parsePolicy(`log ${logKey.vkey}\n${ws.map((w) => `witness ${w.name} ${w.vkey} ${w.url}`).join('\n')}\ngroup g 2 w1 w2 w3\nquorum g\n`);
  const publisher = new WitnessPublisher({ policy, logVkey: logKey.vkey, source: storage, dir: logDir });
  const signer = signerFromKey(logKey.skey);
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const from = storage.size();
    storage.appendBatch(entriesFor(from, 10));
    const up = TileBuilder.open(from, (l, i, w) => storage.readTile(l, i, w)).append(storage.readEntries(from, from + 10).map(leafHash));
    storage.integrate({ fromSize: from, tree: { size: up.size, root: up.root }, tiles: up.tiles.map(({ level, index, data }) => ({ level, index, data })) });
    storage.addCheckpoint(up.size, signNote(formatCheckpoint({ origin: 'bench.example/published-log', size: up.size, root: up.root, extensions: [] }), signer));
    const t0 = performance.now();
    if (!(await publisher.publishNow())) throw new Error('policy not met');
    ms.push(performance.now() - t0);
  }
  emit({ name: 'publish-latency', policy: '2-of-3', witnesses: 3, rounds, p50Ms: pct(ms, 50), p99Ms: pct(ms, 99) });
  storage.close();
  await Promise.all(ws.map((w) => w.proc.stop()));
}

async function benchMirror(): Promise<void> {
  const entries = opt('entries', 1_000_000);
  const key = generateKey('bench.example/mirrored-log');
  const storage = SqliteLogStorage.open(join(tmp, 'mirror-src'));
  const signer = signerFromKey(key.skey);
  const t0 = performance.now();
  let builder = TileBuilder.empty();
  for (let from = 0; from < entries; from += 50_000) {
    const batch = entriesFor(from, Math.min(50_000, entries - from));
    storage.appendBatch(batch);
    const up = builder.append(batch.map(leafHash));
    storage.integrate({ fromSize: from, tree: { size: up.size, root: up.root }, tiles: up.tiles.map(({ level, index, data }) => ({ level, index, data })) });
  }
  const tree = storage.treeState();
  storage.addCheckpoint(tree.size, signNote(formatCheckpoint({ origin: 'bench.example/mirrored-log', size: tree.size, root: tree.root, extensions: [] }), signer));
  builder = TileBuilder.empty();
  emit({ name: 'mirror-source-built', entries, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) });
  const app = await createLogServer({ storage });
  const url = await listen(app, '127.0.0.1', 0);
  for (const format of formats) {
    const dir = join(tmp, `mirror-${format}`);
    const started = performance.now();
    const code = await new Promise<number>((res) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'mirror', '--once', '--from', url, '--vkey', key.vkey, '--dir', dir, '--format', format, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('close', (c) => res(c ?? 1));
    });
    const s = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`mirror exited with ${code}`);
    emit({ name: 'mirror-catchup', format, entries, seconds: Number(s.toFixed(1)), entriesPerSecond: Math.round(entries / s), note: 'includes process start-up; source served over HTTP on loopback by the bench process' });
  }
  await app.close();
  storage.close();
}

try {
  if (!only || only === 'add-checkpoint') await benchAddCheckpoint();
  if (!only || only === 'publish-latency') await benchPublishLatency();
  if (!only || only === 'mirror-catchup') await benchMirror();
} finally {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
}

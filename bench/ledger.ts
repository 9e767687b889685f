// Ledger micro-benchmarks (JSON lines). Run: npx tsx bench/ledger.ts [entries=1000000]
// Single-threaded figures: `ilog verify` splits leaf hashing and level-0 tiles across workers.
import {
  batchHashingAccelerated, decodeEntry, leafHashes, encodeEntry, generateKey, hashNodePairs, inclusionProof, leafHash, nodeHash,
  openNote, signerFromKey, signNote, TileBuilder, tileNodeReader, tilePath, verifierFromKey, HASH_SIZE, type TileReader,
} from '../src/ledger/index.js';

const n = Number(process.argv[2] ?? 1_000_000);
// Wall time and CPU time: on a shared machine, ops per CPU-second is the per-core figure.
interface Timing { wallMs: number; cpuMs: number }
const emit = (name: string, ops: number, t: Timing, extra: Record<string, unknown> = {}): void =>
  console.log(JSON.stringify({
    bench: `ledger.${name}`, ops, ms: Math.round(t.wallMs), cpuMs: Math.round(t.cpuMs),
    perSec: Math.round((ops / t.wallMs) * 1000), perCpuSec: Math.round((ops / t.cpuMs) * 1000), ...extra,
  }));
const time = (f: () => void): Timing => {
  const c = process.cpuUsage();
  const t = performance.now();
  f();
  const d = process.cpuUsage(c);
  return { wallMs: performance.now() - t, cpuMs: (d.user + d.system) / 1000 };
};

// Realistic entries: ~350-byte canonical access entries.
const sample = encodeEntry({
  v: 1, kind: 'access', time: '2026-11-27T06:00:00.123Z', source: 'pg-proxy', person: 'alice@example.com', session: 's-1234',
  database: 'crm', client: { address: '10.0.0.7', application: 'psql' }, purpose: 'ticket 4242', action: 'select',
  relations: ['public.patients'], statement: { kind: 'select', text: 'SELECT * FROM patients WHERE id = $1', sha256: 'ab'.repeat(32), values: ['cd'.repeat(32)] },
});
const entry = new Uint8Array(sample);

const leaves = new Uint8Array(n * HASH_SIZE);
emit('leafHash', n, time(() => {
  for (let i = 0; i < n; i++) {
    entry[entry.length - 3] = i & 0xff;
    leaves.set(leafHash(entry), i * HASH_SIZE);
  }
}), { entryBytes: entry.byteLength });

const entries = Array.from({ length: 4096 }, (_, i) => {
  const e = new Uint8Array(sample);
  e[e.length - 3] = i & 0xff;
  return e;
});
const batches = Math.ceil(n / 4096);
const leafOut = new Uint8Array(4096 * HASH_SIZE);
emit('leafHashes.batch', batches * 4096, time(() => {
  for (let b = 0; b < batches; b++) leafHashes(entries, leafOut);
}), { entryBytes: entry.byteLength, wasmSimd: batchHashingAccelerated() });

const m = Math.min(n, 200_000);
emit('nodeHash.crypto', m, time(() => {
  for (let i = 0; i < m; i++) nodeHash(leaves.subarray(0, 32), leaves.subarray(32, 64));
}));
const out = new Uint8Array((n / 2) * HASH_SIZE);
emit('hashNodePairs', Math.floor(n / 2), time(() => hashNodePairs(leaves, 0, Math.floor(n / 2), out, 0)), { wasmSimd: batchHashingAccelerated() });

const store = new Map<string, Uint8Array>();
const read: TileReader = (l, i, w) => store.get(tilePath(l, i, w));
let root: Uint8Array = new Uint8Array(0);
const batch = 4096;
emit('tileBuilder', n, time(() => {
  const b = TileBuilder.empty();
  for (let off = 0; off < n; off += batch) {
    const u = b.append(leaves.subarray(off * HASH_SIZE, Math.min(n, off + batch) * HASH_SIZE));
    for (const t of u.tiles) store.set(tilePath(t.level, t.index, t.width), t.data);
    root = u.root;
  }
}), { batch });

// The integrator's shape: reopen from storage for every small batch.
const small = Math.min(n, 100_000);
const store2 = new Map<string, Uint8Array>();
const read2: TileReader = (l, i, w) => store2.get(tilePath(l, i, w));
emit('buildTiles.reopenEach100', small, time(() => {
  for (let off = 0; off < small; off += 100) {
    const u = TileBuilder.open(off, read2).append(leaves.subarray(off * HASH_SIZE, (off + 100) * HASH_SIZE));
    for (const t of u.tiles) store2.set(tilePath(t.level, t.index, t.width), t.data);
  }
}));

// `ilog verify` inner loop on one core: hash every entry and rebuild every tile and the root.
emit('verifyLoop.leafHashesAndTiles', batches * 4096, time(() => {
  const b = TileBuilder.empty();
  for (let off = 0; off < batches; off++) b.append(leafHashes(entries, leafOut));
}));

const nodes = tileNodeReader(n, read);
const proofs = 20_000;
emit('inclusionProof.fromTiles', proofs, time(() => {
  for (let i = 0; i < proofs; i++) inclusionProof((i * 7919) % n, n, nodes);
}), { rootHex: Buffer.from(root).toString('hex').slice(0, 16) });

const { skey, vkey } = generateKey('bench.example/log');
const signer = signerFromKey(skey);
const verifier = verifierFromKey(vkey);
const text = 'bench.example/log\n1000000\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n';
const note = signNote(text, signer);
emit('signNote', 5000, time(() => { for (let i = 0; i < 5000; i++) signNote(text, signer); }));
emit('openNote', 5000, time(() => { for (let i = 0; i < 5000; i++) openNote(note, [verifier]); }));
emit('encodeEntry', 50_000, time(() => {
  for (let i = 0; i < 50_000; i++) encodeEntry({ v: 1, kind: 'outcome', time: '2026-11-27T06:00:00.123Z', access: i, status: 'ok', rows: 1, durationMs: 0.4 });
}));
emit('decodeEntry', 50_000, time(() => { for (let i = 0; i < 50_000; i++) decodeEntry(sample); }));

// `ilog verify`: re-derive a whole log from its entries and check everything a
// log publishes against it — RFC 6962 leaf hashes, every C2SP tlog-tiles v0.1.0
// hash tile byte for byte, the root of every signed checkpoint (tlog-checkpoint
// v1.0.0, signed-note signatures by the log key), entry 0 as the genesis naming
// this origin and key, every entry's schema, and consistency (RFC 9162) with a
// checkpoint saved earlier. Stops at the FIRST problem, named by index or tile
// with what was expected and what was found (IlogError evidence).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { toBase64, toHex, bytesEqual } from '../ledger/bytes.js';
import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { decodeEntry, type Entry } from '../ledger/entry.js';
import type { GenesisEntry } from '../ledger/entries/genesis.js';
import { asErrorCode, IlogError } from '../ledger/errors.js';
import { consistencyProof, treeRoot, verifyConsistency } from '../ledger/merkle.js';
import { verifierFromKey, type Verifier } from '../ledger/note.js';
import { tilePath, TILE_WIDTH } from '../ledger/tiles.js';
import { LOG_FILES } from './appender-files.js';
import type { LeafResult, LeafTask } from './verify-leaves.js';
import { inlineRunner, workerRunner, type TaskRunner } from './verify-pool.js';
import { openSource, type SourceSpec, type VerifySource } from './verify-source.js';
import { RecomputedTree } from './verify-tree.js';

export interface VerifyOptions {
  source: SourceSpec;
  /** The log's vkey; default `<dir>/log.vkey`. Required for a URL. */
  vkey?: string;
  /** A checkpoint note saved earlier: the log must still contain (extend) it. */
  savedCheckpoint?: string;
  /** Worker threads (default: 0 below 65,536 entries, else min(2, cores)). */
  workers?: number;
  /** Decode every entry against its schema (default true). */
  decode?: boolean;
  /** Run tasks on this thread until a worker is ready (default true; false forces the worker path, for tests). */
  startInline?: boolean;
  /** Level-0 tiles per task (default 16). */
  tilesPerTask?: number;
  onProgress?: (entriesDone: number, total: number) => void;
}

export interface VerifyReport {
  origin: string;
  size: number;
  root: string;
  checkpoint: string;
  entries: number;
  tiles: number;
  checkpoints: number;
  consistency?: { old: number; new: number; proof: string[] };
  workers: number;
}

const WORKER_THRESHOLD = 65_536;

function loadVkey(opts: VerifyOptions): string {
  if (opts.vkey) return opts.vkey.trim();
  if (opts.source.kind === 'dir') {
    try {
      return readFileSync(join(opts.source.dir, LOG_FILES.vkey), 'utf8').trim();
    } catch {
      throw new IlogError('USAGE', `cannot read ${join(opts.source.dir, LOG_FILES.vkey)}; pass the log's vkey with --vkey`);
    }
  }
  throw new IlogError('USAGE', "verifying a URL needs the log's vkey: pass --vkey (from `ilog vkey` or the log operator)");
}

function openSigned(note: string, verifier: Verifier, origin: string, what: string): Checkpoint {
  try {
    return openCheckpoint(note, [verifier], origin).checkpoint;
  } catch (err) {
    if (!(err instanceof IlogError)) throw err;
    throw new IlogError('BAD_CHECKPOINT', `${what} is not a valid checkpoint signed by the log key: ${err.message}`, { checkpoint: what, cause: err.code, ...err.evidence });
  }
}

async function checkGenesis(source: VerifySource, origin: string, vkey: string, size: number): Promise<void> {
  if (size === 0) throw new IlogError('BAD_GENESIS', 'the log is empty: it has no genesis entry', { index: 0 });
  const [bytes] = await source.readEntries(0, 1, size);
  let entry: Entry;
  try {
    entry = decodeEntry(bytes!);
  } catch (err) {
    throw new IlogError('BAD_GENESIS', 'entry 0 is not a valid entry', { index: 0, cause: (err as IlogError).code });
  }
  if (entry.kind !== 'genesis') throw new IlogError('BAD_GENESIS', 'entry 0 must be the genesis entry', { index: 0, expected: 'genesis', found: entry.kind });
  const genesis = entry as GenesisEntry;
  if (genesis.origin !== origin) throw new IlogError('BAD_GENESIS', 'genesis names another origin', { index: 0, expected: origin, found: genesis.origin });
  if (genesis.logKey.trim() !== vkey) throw new IlogError('BAD_GENESIS', 'genesis names another log key', { index: 0, expected: vkey, found: genesis.logKey });
}

/** Tasks of `per` level-0 tiles covering a tree of `size`. */
function* tasks(size: number, per: number, edgeSizes: number[], keepTiles: number[], decode: boolean): Generator<LeafTask> {
  const tiles = Math.ceil(size / TILE_WIDTH);
  for (let first = 0; first < tiles; first += per) {
    const endTile = Math.min(tiles, first + per);
    const inRange = (t: number): boolean => t >= first && t < endTile;
    yield {
      firstTile: first,
      endTile,
      treeSize: size,
      edgeSizes: edgeSizes.filter((s) => inRange(Math.floor(s / TILE_WIDTH))),
      keepTiles: keepTiles.filter(inRange),
      decode,
    };
  }
}

/** Runs every task (`runner.parallelism * 2` in flight), handing results to `onResult` in order. */
async function runInOrder(runner: TaskRunner, all: Iterable<LeafTask>, onResult: (r: LeafResult) => Promise<void>): Promise<void> {
  const queue: Promise<LeafResult>[] = [];
  const it = all[Symbol.iterator]();
  const fill = (): void => {
    while (queue.length < runner.parallelism * 2) {
      const n = it.next();
      if (n.done) return;
      const p = runner.run(n.value);
      p.catch(() => {}); // awaited in order below
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const r = await queue.shift()!;
    fill();
    await onResult(r);
  }
}

export async function verifyLog(opts: VerifyOptions): Promise<VerifyReport> {
  const vkey = loadVkey(opts);
  let verifier: Verifier;
  try {
    verifier = verifierFromKey(vkey);
  } catch (err) {
    throw new IlogError('USAGE', `not a valid log vkey: ${(err as Error).message}`);
  }
  const origin = verifier.name;
  const source = openSource(opts.source);
  try {
    const note = await source.latestCheckpoint();
    if (note === undefined) throw new IlogError('NO_CHECKPOINT', 'the log has no signed checkpoint to verify');
    const latest = openSigned(note, verifier, origin, 'the latest checkpoint');
    const size = latest.size;
    // Start the workers now: their start-up overlaps the signature checks below.
    const workers = opts.workers ?? (size < WORKER_THRESHOLD ? 0 : Math.min(2, availableParallelism()));
    const runner = workers > 0 ? workerRunner(opts.source, workers, { inlineUntilReady: opts.startInline ?? true }) : inlineRunner(opts.source);
    try {
      return await verifyTree(opts, source, runner, { origin, vkey, verifier, note, latest, workers });
    } finally {
      await runner.close();
    }
  } finally {
    source.close();
  }
}

interface Started {
  origin: string;
  vkey: string;
  verifier: Verifier;
  note: string;
  latest: Checkpoint;
  workers: number;
}

async function verifyTree(opts: VerifyOptions, source: VerifySource, runner: TaskRunner, s: Started): Promise<VerifyReport> {
  const { origin, vkey, verifier, note, latest, workers } = s;
  const size = latest.size;
  // Every stored checkpoint must be validly signed and filed under its own size.
  const stored: Checkpoint[] = [];
  for await (const cp of source.checkpoints()) {
    const c = openSigned(cp.note, verifier, origin, `stored checkpoint ${cp.size}`);
    if (c.size !== cp.size) throw new IlogError('BAD_CHECKPOINT', 'a stored checkpoint is filed under another size', { size: cp.size, found: c.size });
    stored.push(c);
  }
  const saved = opts.savedCheckpoint === undefined ? undefined : openSigned(opts.savedCheckpoint, verifier, origin, 'the saved checkpoint');
  if (saved && saved.size > size) {
    throw new IlogError('ROLLBACK', `the log is at size ${size} but a checkpoint of size ${saved.size} was signed earlier: entries were removed`, {
      savedSize: saved.size, size, savedRoot: toBase64(saved.root),
    });
  }
  await checkGenesis(source, origin, vkey, size);

  const tree = new RecomputedTree();
  const sizesOfInterest = [size, ...stored.map((c) => c.size), ...(saved ? [saved.size] : [])];
  const keep = [...new Set([size, saved?.size ?? 0].filter((n) => n % TILE_WIDTH !== 0).map((n) => Math.floor(n / TILE_WIDTH)))];
  let done = 0;
  let tilesChecked = 0;
  const compareUpper = async (t: { level: number; index: number; width: number; data: Uint8Array }): Promise<void> => {
    const path = tilePath(t.level, t.index, t.width);
    const found = await source.readTile(t.level, t.index, t.width);
    if (found === undefined) throw new IlogError('TILE_MISSING', `hash tile ${path} is missing`, { tile: path });
    if (!bytesEqual(found, t.data)) {
      let p = 0;
      while (p < t.width && bytesEqual(found.subarray(p * 32, p * 32 + 32), t.data.subarray(p * 32, p * 32 + 32))) p++;
      throw new IlogError('TILE_MISMATCH', `hash tile ${path} differs from the tree recomputed from the entries`, {
        tile: path, position: p, expected: toHex(t.data.subarray(p * 32, p * 32 + 32)), found: toHex(found.subarray(p * 32, p * 32 + 32)),
      });
    }
    tilesChecked++;
  };
  await runInOrder(runner, tasks(size, opts.tilesPerTask ?? 16, sizesOfInterest, keep, opts.decode ?? true), async (r) => {
    if (r.error) throw new IlogError(asErrorCode(r.error.code, 'INTERNAL'), r.error.message, r.error.evidence);
    tree.addEdges(r.edges);
    for (const [t, hashes] of r.kept) tree.keepLeafTile(t, hashes);
    for (const full of tree.addTileRoots(r.roots)) await compareUpper(full);
    done += r.entries;
    tilesChecked += Math.ceil(r.entries / TILE_WIDTH);
    opts.onProgress?.(done, size);
  });
  for (const partial of tree.upperPartials(size)) await compareUpper(partial);

  const root = treeRoot(size, tree.nodes(size));
  if (!bytesEqual(root, latest.root)) {
    throw new IlogError('ROOT_MISMATCH', `the latest checkpoint (size ${size}) signs a root that the entries do not produce`, {
      size, expected: toBase64(root), found: toBase64(latest.root),
    });
  }
  for (const c of stored) {
    const r = treeRoot(c.size, tree.nodes(c.size));
    if (!bytesEqual(r, c.root)) {
      throw new IlogError('ROOT_MISMATCH', `stored checkpoint ${c.size} signs a root that the entries do not produce`, { size: c.size, expected: toBase64(r), found: toBase64(c.root) });
    }
  }
  let consistency: VerifyReport['consistency'];
  if (saved) {
    const proof = consistencyProof(saved.size, size, tree.nodes(size));
    try {
      verifyConsistency(saved.size, size, proof, saved.root, root);
    } catch (err) {
      throw new IlogError('INCONSISTENT', `the log does not extend the saved checkpoint of size ${saved.size}: it was rewritten (a fork)`, {
        savedSize: saved.size, savedRoot: toBase64(saved.root), size, root: toBase64(root), proof: proof.map(toBase64), cause: (err as IlogError).code,
      });
    }
    consistency = { old: saved.size, new: size, proof: proof.map(toBase64) };
  }
  return {
    origin, size, root: toBase64(root), checkpoint: note, entries: done, tiles: tilesChecked,
    checkpoints: stored.length || 1, workers, ...(consistency ? { consistency } : {}),
  };
}

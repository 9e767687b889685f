// The bulk of `ilog verify`: for a run of level-0 tiles, re-hash every entry
// (RFC 6962 leaf hashes), compare the resulting tile byte for byte with the
// stored or served one (tlog-tiles v0.1.0: a level-0 tile IS its entries' leaf
// hashes), decode every entry, and hand back each full tile's root (the hash one
// tile level up) so the caller can rebuild the levels above. Runs in worker
// threads (verify-worker.ts) or inline; results are plain, transferable data.
import { toHex } from '../ledger/bytes.js';
import { decodeEntry } from '../ledger/entry.js';
import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE, leafHashes } from '../ledger/hash.js';
import { TileTree } from '../ledger/tile-tree.js';
import { entriesPath, tilePath, TILE_HEIGHT, TILE_WIDTH } from '../ledger/tiles.js';
import type { VerifySource } from './verify-source.js';

export interface LeafTask {
  /** Level-0 tiles [firstTile, endTile). */
  firstTile: number;
  endTile: number;
  /** Size of the tree being verified (the last tile may be partial). */
  treeSize: number;
  /** Tree sizes (checkpoints) ending inside these tiles: return their right-edge nodes below level 8. */
  edgeSizes: number[];
  /** Tiles whose recomputed hashes to return whole (for consistency proofs). */
  keepTiles: number[];
  decode: boolean;
}

/** A complete subtree hash: Merkle level (0..7 here), index, hash. */
export type EdgeNode = [level: number, index: number, hash: Uint8Array];

export interface LeafResult {
  /** Roots of the full tiles in the task, 32 bytes each, in order. */
  roots: Uint8Array;
  entries: number;
  edges: EdgeNode[];
  kept: [tile: number, hashes: Uint8Array][];
  /** The first failure in the task (by index), as IlogError JSON. */
  error?: { code: string; message: string; evidence?: Record<string, unknown> };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return Math.floor(i / HASH_SIZE);
  return Math.floor(n / HASH_SIZE);
}

function fail(err: unknown): Pick<LeafResult, 'error'> {
  if (!(err instanceof IlogError)) throw err;
  return { error: { code: err.code, message: err.message, ...(err.evidence ? { evidence: { ...err.evidence } } : {}) } };
}

/** Checks one tile's entries and stored hashes; returns the recomputed hashes or throws the first failure. */
async function checkTile(source: VerifySource, tile: number, entries: Uint8Array[], decode: boolean): Promise<Uint8Array> {
  const width = entries.length;
  const first = tile * TILE_WIDTH;
  // Batched SIMD leaf hashes: 1.2 µs per entry where leafHash in a loop took 2.3 (bench/ledger.ts).
  const hashes = leafHashes(entries);
  let badEntry: { index: number; err: IlogError } | undefined;
  for (let k = 0; decode && k < width; k++) {
    try {
      decodeEntry(entries[k]!);
    } catch (err) {
      if (!(err instanceof IlogError)) throw err;
      badEntry = { index: first + k, err };
      break;
    }
  }
  const path = tilePath(0, tile, width);
  const stored = await source.readTile(0, tile, width);
  if (stored === undefined) throw new IlogError('TILE_MISSING', `hash tile ${path} is missing`, { tile: path, index: first });
  const p = firstDifference(hashes, stored);
  const mismatch = p < width || stored.byteLength !== hashes.byteLength;
  // Report whichever problem comes first in index order.
  if (mismatch && (badEntry === undefined || first + p <= badEntry.index)) {
    const index = first + p;
    throw new IlogError('TILE_MISMATCH', `entry ${index} does not hash to what ${path} holds: the entry or the tile was altered`, {
      index,
      tile: path,
      bundle: entriesPath(tile, width),
      expected: p < width ? toHex(hashes.subarray(p * HASH_SIZE, (p + 1) * HASH_SIZE)) : `${hashes.byteLength} bytes`,
      found: p < width && stored.byteLength >= (p + 1) * HASH_SIZE ? toHex(stored.subarray(p * HASH_SIZE, (p + 1) * HASH_SIZE)) : `${stored.byteLength} bytes`,
    });
  }
  if (badEntry) {
    throw new IlogError('INVALID_ENTRY', `entry ${badEntry.index} is not a valid ilog entry: ${badEntry.err.message}`, {
      index: badEntry.index,
      cause: badEntry.err.code,
      ...(badEntry.err.evidence?.field !== undefined ? { field: badEntry.err.evidence.field } : {}),
    });
  }
  return hashes;
}

export async function checkLeafTiles(source: VerifySource, task: LeafTask): Promise<LeafResult> {
  const from = task.firstTile * TILE_WIDTH;
  const to = Math.min(task.endTile * TILE_WIDTH, task.treeSize);
  const fullTiles = Math.max(0, Math.min(task.endTile, Math.floor(task.treeSize / TILE_WIDTH)) - task.firstTile);
  const result: LeafResult = { roots: new Uint8Array(fullTiles * HASH_SIZE), entries: 0, edges: [], kept: [] };
  let entries: Uint8Array[];
  try {
    entries = await source.readEntries(from, to, task.treeSize);
  } catch (err) {
    return { ...result, ...fail(err) };
  }
  for (let t = task.firstTile; t * TILE_WIDTH < to; t++) {
    const lo = t * TILE_WIDTH - from;
    let hashes: Uint8Array;
    try {
      hashes = await checkTile(source, t, entries.slice(lo, Math.min(lo + TILE_WIDTH, entries.length)), task.decode);
    } catch (err) {
      return { ...result, ...fail(err) };
    }
    result.entries += hashes.byteLength / HASH_SIZE;
    const wantEdges = task.edgeSizes.filter((s) => Math.floor(s / TILE_WIDTH) === t && s % TILE_WIDTH !== 0);
    const full = hashes.byteLength === TILE_WIDTH * HASH_SIZE;
    if (!full && wantEdges.length === 0) {
      if (task.keepTiles.includes(t)) result.kept.push([t, hashes]);
      continue;
    }
    const tree = TileTree.fromTile(hashes);
    if (full) result.roots.set(tree.root(), (t - task.firstTile) * HASH_SIZE);
    for (const size of wantEdges) {
      const w = size % TILE_WIDTH;
      for (let j = TILE_HEIGHT - 1; j >= 0; j--) {
        if ((w >> j) & 1) result.edges.push([j, t * (TILE_WIDTH >> j) + (w >> j) - 1, tree.node(j, (w >> j) - 1)]);
      }
    }
    if (task.keepTiles.includes(t)) result.kept.push([t, hashes]);
  }
  return result;
}

// A long-lived cache of tlog-tiles v0.1.0 hash tiles with their inner levels
// (TileTree: the 8-level subtree a tile's hashes span), serving the RFC 9162
// NodeReader that proof generation needs. Unlike ledger's per-call
// tileNodeReader, it outlives one tree size: full tiles never change, so a
// server answering proofs for a growing log keeps them warm across checkpoints.
// Rebuilding a tile's inner levels costs 255 node hashes (~0.3 ms here), which
// is what keeps proofs well under a millisecond once tiles are cached.

import { IlogError } from '../ledger/errors.js';
import { HASH_SIZE } from '../ledger/hash.js';
import type { NodeReader } from '../ledger/merkle.js';
import type { TileReader } from '../ledger/tile-builder.js';
import { TileTree } from '../ledger/tile-tree.js';
import { tileFor, TILE_HEIGHT, TILE_WIDTH } from '../ledger/tiles.js';
import { FifoMap } from '../ledger/fifo-map.js';

/** Reads a tile asynchronously (a network store's LogReader.readTile). */
export type AsyncTileReader = (level: number, index: number, width: number) => Promise<Uint8Array | undefined>;

/** Stand-ins while collecting, one per width: building a tile's inner levels costs 255 hashes. */
const zeroTiles = new Map<number, TileTree>();
function zeroTile(width: number): TileTree {
  let t = zeroTiles.get(width);
  if (!t) zeroTiles.set(width, (t = TileTree.fromTile(new Uint8Array(width * HASH_SIZE))));
  return t;
}

export class TileCache {
  readonly #readTile: TileReader;
  /** While `withTiles` collects: the tiles a computation missed (it sees zero tiles meanwhile). */
  #missing: Map<string, { level: number; index: number; width: number }> | undefined;
  readonly #capacity: number;
  /** Insertion order is recency order (Map iteration order): first key = least recently used. */
  readonly #tiles = new FifoMap<string, TileTree>();

  /** `capacity` tiles, about 16 KiB each (default 4,096: 64 MiB, every level-0 tile of a 1M-entry log). */
  constructor(readTile: TileReader, capacity = 4096) {
    this.#readTile = readTile;
    this.#capacity = Math.max(1, capacity);
  }

  /** NodeReader over the tree of `size`; its tiles must be stored (integrated size >= size). */
  nodeReader(size: number): NodeReader {
    return (level, index) => {
      const inner = level % TILE_HEIGHT;
      const pos = index * 2 ** inner; // first tile-level hash under this node
      const ref = tileFor(size, Math.floor(level / TILE_HEIGHT), pos);
      return this.#tile(ref.level, ref.index, ref.width).node(inner, (pos % TILE_WIDTH) / 2 ** inner);
    };
  }

  get size(): number {
    return this.#tiles.size;
  }

  /**
   * Runs `fn` (proofs through nodeReader) once its tiles are cached: a first run against
   * stand-in tiles collects the tiles it misses, they are read through `readTile` (with no
   * thread held by a round trip), then `fn` runs for real. A tile still missing then is read
   * synchronously, as without this.
   */
  async withTiles<T>(fn: () => T, readTile: AsyncTileReader): Promise<T> {
    const missing = new Map<string, { level: number; index: number; width: number }>();
    this.#missing = missing;
    try {
      fn();
    } catch {
      // A stand-in tile can make a computation fail; the real run below decides.
    } finally {
      this.#missing = undefined;
    }
    const read = await Promise.all([...missing.values()].map(async (t) => ({ ...t, data: await readTile(t.level, t.index, t.width) })));
    for (const t of read) if (t.data !== undefined && t.data.byteLength === t.width * HASH_SIZE) this.#put(`${t.level}/${t.index}`, TileTree.fromTile(t.data));
    return fn();
  }

  // A partial tile is cached at the widest width seen: narrower trees read the
  // same nodes from it (each width is a prefix of the next).
  #tile(level: number, index: number, width: number): TileTree {
    const key = `${level}/${index}`;
    const hit = this.#tiles.get(key);
    this.#tiles.delete(key);
    if (hit && hit.width >= width) {
      this.#tiles.set(key, hit);
      return hit;
    }
    if (this.#missing) {
      // Collecting: note the tile and answer from zeros (never cached as the tile).
      this.#missing.set(key, { level, index, width });
      if (hit) this.#tiles.set(key, hit);
      return zeroTile(width);
    }
    const data = this.#readTile(level, index, width);
    if (data === undefined) throw new IlogError('TILE_MISSING', 'a tile this proof needs is not stored; is the tree integrated to this size?', { level, index, width });
    const tree = TileTree.fromTile(data);
    if (tree.width !== width) throw new IlogError('BAD_TILE', 'stored tile has the wrong width', { level, index, width, found: tree.width });
    this.#put(key, tree);
    return tree;
  }

  #put(key: string, tree: TileTree): void {
    const had = this.#tiles.get(key);
    if (had && had.width > tree.width) return;
    this.#tiles.delete(key);
    this.#tiles.set(key, tree);
    if (this.#tiles.size > this.#capacity) this.#tiles.deleteOldest();
  }
}

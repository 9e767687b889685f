// The 8-level Merkle subtree inside one tlog-tiles hash tile (tlog-tiles v0.1.0:
// "the Merkle Tree levels between those expressed by the tile hashes are
// reconstructed by hashing the leaves"). Hashes are pushed left to right and
// every inner node is computed exactly once, as soon as both children exist,
// so appending to a tile costs one node hash per completed node and nothing is
// ever rehashed; a batch of hashes is hashed one level at a time. All 511 nodes live in one flat buffer (no per-node objects).

import { IlogError } from './errors.js';
import { HASH_SIZE, hashNodePairs } from './hash.js';
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.js';

const SLOTS = 2 * TILE_WIDTH - 1;

/** Slot offset (in hashes) of inner level j: 256 slots at j=0, then 128, 64, … 1. */
function levelBase(j: number): number {
  return 2 * TILE_WIDTH - (2 * TILE_WIDTH >> j);
}

export class TileTree {
  readonly #nodes = new Uint8Array(SLOTS * HASH_SIZE);
  #width = 0;

  /** Build from a tile's bytes (1..256 hashes). */
  static fromTile(tile: Uint8Array): TileTree {
    if (tile.byteLength === 0 || tile.byteLength % HASH_SIZE !== 0 || tile.byteLength > TILE_WIDTH * HASH_SIZE) {
      throw new IlogError('BAD_TILE', 'a hash tile is 1..256 concatenated 32-byte hashes', { length: tile.byteLength });
    }
    const t = new TileTree();
    t.pushMany(tile);
    return t;
  }

  get width(): number {
    return this.#width;
  }

  get full(): boolean {
    return this.#width === TILE_WIDTH;
  }

  /** Append one hash (32 bytes at `off` in `src`). */
  push(src: Uint8Array, off = 0): void {
    this.pushMany(src.subarray(off, off + HASH_SIZE));
  }

  /**
   * Append every 32-byte hash of a concatenation (at most the room left). New
   * inner nodes are computed level by level, each level as one batch of
   * adjacent pairs (hashNodePairs), since nodes of one level are independent.
   */
  pushMany(hashes: Uint8Array): void {
    const count = hashes.byteLength / HASH_SIZE;
    if (!Number.isInteger(count)) throw new IlogError('BAD_HASH', 'hashes must be 32 bytes each', { length: hashes.byteLength });
    if (this.#width + count > TILE_WIDTH) throw new IlogError('TILE_FULL', 'cannot append past a full tile', { width: this.#width, count });
    const nodes = this.#nodes;
    const before = this.#width;
    nodes.set(hashes, before * HASH_SIZE);
    this.#width += count;
    for (let j = 1; j <= TILE_HEIGHT; j++) {
      const from = before >> j; // nodes at level j complete before this push
      const to = this.#width >> j;
      if (to === from) break; // nothing new here, so nothing new above either
      hashNodePairs(nodes, (levelBase(j - 1) + 2 * from) * HASH_SIZE, to - from, nodes, (levelBase(j) + from) * HASH_SIZE);
    }
  }

  /** Hash of the complete inner subtree at inner level j (0..8), index k. */
  node(j: number, k: number): Uint8Array {
    if (j < 0 || j > TILE_HEIGHT || k < 0 || (k + 1) << j > this.#width) {
      throw new IlogError('NODE_OUT_OF_RANGE', 'inner node is not complete in this tile', { level: j, index: k, width: this.#width });
    }
    const off = (levelBase(j) + k) * HASH_SIZE;
    // A Buffer copy, like the hashes from hash.ts, so callers see one type.
    return Buffer.from(this.#nodes.subarray(off, off + HASH_SIZE));
  }

  /** The tile's hashes (level 0), width*32 bytes, copied. */
  bytes(): Uint8Array {
    return this.#nodes.slice(0, this.#width * HASH_SIZE);
  }

  /** Root of a full tile: the hash that goes into the tile one level up. */
  root(): Uint8Array {
    return this.node(TILE_HEIGHT, 0);
  }

  /**
   * Complete subtree hashes covering this tile's hashes, largest (leftmost) first:
   * one per set bit of the width, as RFC 6962 splits a non-power-of-two tree.
   */
  edge(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let j = TILE_HEIGHT; j >= 0; j--) {
      if ((this.#width >> j) & 1) out.push(this.node(j, (this.#width >> j) - 1));
    }
    return out;
  }
}

// Proofs over a remote log's tiles: the ledger's proof code reads nodes
// synchronously, tiles arrive over the network. Run the computation against a
// cache; when it needs a tile the cache lacks, fetch that tile and run it again
// (each run needs at most a couple of tiles per level, so this ends quickly).
// The tiles are untrusted: whatever is computed from them must be verified
// against signed roots (verifyConsistency) before it is believed.

import { IlogError, isIlogError } from '../ledger/errors.js';
import type { NodeReader } from '../ledger/merkle.js';
import { tileNodeReader } from '../ledger/tile-reader.js';
import type { TlogSource } from './tlog-source.js';
import { FifoMap } from '../ledger/fifo-map.js';

const MAX_FETCH_ROUNDS = 256;

export class SourceTiles {
  readonly #source: TlogSource;
  readonly #cache = new FifoMap<string, Uint8Array>();

  constructor(source: TlogSource) {
    this.#source = source;
  }

  /** Run `fn` with a NodeReader over the source's tree of `size`, fetching tiles as it needs them. */
  async withNodes<T>(size: number, fn: (nodes: NodeReader) => T): Promise<T> {
    for (let round = 0; round < MAX_FETCH_ROUNDS; round++) {
      let missing: { level: number; index: number; width: number } | undefined;
      const reader = tileNodeReader(size, (level, index, width) => {
        const t = this.#cache.get(`${level}/${index}/${width}`);
        if (t === undefined) missing = { level, index, width };
        return t;
      });
      try {
        return fn(reader);
      } catch (err) {
        if (!missing || !isIlogError(err, 'TILE_MISSING')) throw err;
      }
      const { level, index, width } = missing;
      this.#cache.set(`${level}/${index}/${width}`, await this.#source.tile(level, index, width));
      if (this.#cache.size > 4096) this.#cache.deleteOldest();
    }
    throw new IlogError('SOURCE_PROOF_TOO_LARGE', 'a proof needed more tiles than any valid tree requires', { size });
  }
}

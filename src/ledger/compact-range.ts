// A compact Merkle range [0, size): only the complete subtrees on the right edge
// (one per set bit of size, ≤ 53 hashes), enough to append leaves and compute the
// RFC 6962 root of every prefix while streaming through a log (e.g. `ilog verify`
// without tiles, or checking a checkpoint as entries arrive).

import { IlogError } from './errors.js';
import { HASH_SIZE, nodeHash } from './hash.js';
import { foldSubtrees } from './tile-builder.js';

export class CompactRange {
  /** Right-edge subtrees, leftmost (largest) first, with their levels. */
  readonly #hashes: Uint8Array[] = [];
  readonly #levels: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  append(leafHash: Uint8Array): void {
    if (leafHash.byteLength !== HASH_SIZE) throw new IlogError('BAD_HASH', 'leaf hashes must be 32 bytes', { length: leafHash.byteLength });
    let h = leafHash;
    let level = 0;
    // Merge equal-sized neighbours, like carrying in binary addition.
    while (this.#levels.length > 0 && this.#levels[this.#levels.length - 1] === level) {
      h = nodeHash(this.#hashes.pop() as Uint8Array, h);
      this.#levels.pop();
      level++;
    }
    this.#hashes.push(h);
    this.#levels.push(level);
    this.#size++;
  }

  root(): Uint8Array {
    return foldSubtrees(this.#hashes);
  }
}

// An in-memory Merkle tree keeping every level: the NodeReader behind proofs in
// tests and in small tools. Memory is about 2 × 32 bytes per leaf.

import { IlogError } from './errors.js';
import { HASH_SIZE, leafHash, nodeHash } from './hash.js';
import { treeRoot, type NodeReader } from './merkle.js';

export class MemoryTree {
  /** levels[l][i] = complete subtree (l, i). */
  readonly #levels: Uint8Array[][] = [[]];

  static fromEntries(entries: readonly Uint8Array[]): MemoryTree {
    const t = new MemoryTree();
    for (const e of entries) t.appendLeafHash(leafHash(e));
    return t;
  }

  get size(): number {
    return (this.#levels[0] as Uint8Array[]).length;
  }

  appendLeafHash(h: Uint8Array): void {
    if (h.byteLength !== HASH_SIZE) throw new IlogError('BAD_HASH', 'leaf hashes must be 32 bytes', { length: h.byteLength });
    let level = 0;
    let cur = h;
    for (;;) {
      const row = this.#levels[level] ?? (this.#levels[level] = []);
      row.push(cur);
      if (row.length % 2 === 1) return;
      cur = nodeHash(row[row.length - 2] as Uint8Array, cur);
      level++;
    }
  }

  readonly nodes: NodeReader = (level, index) => {
    const h = this.#levels[level]?.[index];
    if (!h) throw new IlogError('NODE_OUT_OF_RANGE', 'no complete subtree at this position', { level, index, size: this.size });
    return h;
  };

  root(size = this.size): Uint8Array {
    if (size > this.size) throw new IlogError('BAD_TREE_SIZE', 'tree is smaller than requested', { size, have: this.size });
    return treeRoot(size, this.nodes);
  }
}

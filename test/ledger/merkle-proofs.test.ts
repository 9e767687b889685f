// Proof generation cross-checked against verification, over memory and over tiles.
import { describe, expect, it } from 'vitest';
import {
  consistencyProof, CompactRange, inclusionProof, leafHash, MemoryTree, TileBuilder, tileNodeReader, tilePath,
  treeRoot, verifyConsistency, verifyInclusion, type NodeReader, type TileReader,
} from '../../src/ledger/index.js';
import { codeOf } from '../helpers/codes.js';

const entry = (i: number): Uint8Array => new TextEncoder().encode(`entry ${i}`);

function treeOf(n: number): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < n; i++) t.appendLeafHash(leafHash(entry(i)));
  return t;
}


function flip(p: Uint8Array[], i: number): Uint8Array[] {
  return p.map((h, j) => (j === i ? Uint8Array.from(h, (b, k) => (k === 0 ? b ^ 1 : b)) : h));
}

const N = 70;
const tree = treeOf(N);

describe('inclusion proofs, every (index, size) up to 70', () => {
  it('verify, and every single-bit mutation is rejected', () => {
    for (let size = 1; size <= N; size++) {
      const root = tree.root(size);
      for (let index = 0; index < size; index++) {
        const leaf = tree.nodes(0, index);
        const proof = inclusionProof(index, size, tree.nodes);
        verifyInclusion(index, size, leaf, proof, root);
        for (let j = 0; j < proof.length; j++) expect(codeOf(() => verifyInclusion(index, size, leaf, flip(proof, j), root))).toBe('INCLUSION_PROOF_INVALID');
        expect(codeOf(() => verifyInclusion(index, size, leaf, [...proof, leaf], root))).toBeDefined();
        if (size > 1) expect(codeOf(() => verifyInclusion((index + 1) % size, size, leaf, proof, root))).toBe('INCLUSION_PROOF_INVALID');
      }
    }
  });
  it('rejects an index at or beyond the size', () => {
    expect(codeOf(() => inclusionProof(5, 5, tree.nodes))).toBe('INDEX_OUT_OF_RANGE');
    expect(codeOf(() => verifyInclusion(5, 5, tree.nodes(0, 0), [], tree.root(5)))).toBe('INCLUSION_PROOF_INVALID');
  });
});

describe('consistency proofs, every (old, new) up to 70', () => {
  it('verify, and mutations are rejected', () => {
    for (let n = 1; n <= N; n++) {
      const newRoot = tree.root(n);
      for (let m = 1; m <= n; m++) {
        const oldRoot = tree.root(m);
        const proof = consistencyProof(m, n, tree.nodes);
        verifyConsistency(m, n, proof, oldRoot, newRoot);
        for (let j = 0; j < proof.length; j++) expect(codeOf(() => verifyConsistency(m, n, flip(proof, j), oldRoot, newRoot))).toBe('CONSISTENCY_PROOF_INVALID');
        if (m < n) {
          expect(codeOf(() => verifyConsistency(m, n, proof.slice(0, -1), oldRoot, newRoot))).toBe('CONSISTENCY_PROOF_INVALID');
          expect(codeOf(() => verifyConsistency(m, n, proof, newRoot, oldRoot))).toBe('CONSISTENCY_PROOF_INVALID');
        }
      }
    }
  });
  it('empty tree: proof from 0 is empty; (0,0) needs the empty root', () => {
    expect(consistencyProof(0, 5, tree.nodes)).toEqual([]);
    expect(codeOf(() => verifyConsistency(0, 0, [], treeRoot(0, tree.nodes), treeRoot(0, tree.nodes)))).toBeUndefined();
    expect(codeOf(() => consistencyProof(6, 5, tree.nodes))).toBe('BAD_TREE_SIZE');
  });
});

// A tile store fed by TileBuilder, for random larger trees.
function tiledTree(n: number, batch: number): { read: TileReader; builder: TileBuilder; leaves: Uint8Array[] } {
  const store = new Map<string, Uint8Array>();
  const read: TileReader = (l, i, w) => store.get(tilePath(l, i, w));
  const builder = TileBuilder.empty();
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < n; i += batch) {
    const hashes = [];
    for (let j = i; j < Math.min(n, i + batch); j++) hashes.push(leafHash(entry(j)));
    leaves.push(...hashes);
    for (const t of builder.append(hashes).tiles) store.set(tilePath(t.level, t.index, t.width), t.data);
  }
  return { read, builder, leaves };
}

describe('proofs over tiles at random larger sizes', () => {
  const big = 70_001;
  const { read, leaves } = tiledTree(big, 997);
  const mem = new MemoryTree();
  leaves.forEach((h) => mem.appendLeafHash(h));
  let seed = 42;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  it('inclusion and consistency from tiles equal those from memory, and verify', () => {
    for (let t = 0; t < 40; t++) {
      // Partial tiles exist only for sizes the builder stopped at (as for checkpoints);
      // a reader for such a size serves every node of every smaller tree.
      const stop = t === 0 ? big : 997 * (1 + rnd(Math.floor(big / 997)));
      const nodes: NodeReader = tileNodeReader(stop, read);
      const size = t % 2 === 0 ? stop : 1 + rnd(stop);
      const root = treeRoot(size, nodes);
      expect(root).toEqual(mem.root(size));
      const index = rnd(size);
      const proof = inclusionProof(index, size, nodes);
      expect(proof).toEqual(inclusionProof(index, size, mem.nodes));
      verifyInclusion(index, size, leaves[index] as Uint8Array, proof, root);
      const old = 1 + rnd(size);
      const cproof = consistencyProof(old, size, nodes);
      expect(cproof).toEqual(consistencyProof(old, size, mem.nodes));
      verifyConsistency(old, size, cproof, mem.root(old), root);
    }
  });
  it('compact range agrees with the tree root at every size step', () => {
    const cr = new CompactRange();
    for (let i = 0; i < 3000; i++) {
      cr.append(leaves[i] as Uint8Array);
      if (i % 37 === 0 || i === 2999) expect(cr.root()).toEqual(mem.root(i + 1));
    }
  });
  it('a reader for a size whose tiles are absent throws TILE_MISSING', () => {
    const nodes = tileNodeReader(big + 5, read);
    expect(codeOf(() => treeRoot(big + 5, nodes))).toBe('TILE_MISSING');
  });
});

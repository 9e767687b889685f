// RFC 9162 §2.1 Merkle tree hashes and proofs (identical to RFC 6962 §2.1), over a
// NodeReader of complete subtrees. Generation follows the RFC's recursive
// definitions (PATH, SUBPROOF); every MTH they need splits at a power of two, so
// it decomposes into complete subtrees the reader can serve (from tiles,
// storage or memory). Verification lives in merkle-verify.ts.

import { IlogError } from './errors.js';
import { EMPTY_ROOT, nodeHash } from './hash.js';
import { isPowerOfTwo, splitPoint } from './tree-math.js';

export { verifyInclusion, verifyConsistency, rootFromInclusionProof } from './merkle-verify.js';

/**
 * Hash of the complete subtree at (level, index), covering leaves
 * [index*2^level, (index+1)*2^level). Level 0 is the leaf hash. Callers only ask
 * for subtrees that are complete in the tree they are working on.
 */
export type NodeReader = (level: number, index: number) => Uint8Array;

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new IlogError('BAD_TREE_SIZE', `${what} must be a non-negative safe integer`, { [what]: size });
}

/** MTH(D[begin:end]); begin is always aligned to the split points the RFC recursion produces. */
function rangeHash(begin: number, end: number, nodes: NodeReader): Uint8Array {
  const n = end - begin;
  // A power of two, aligned (always, from the callers below): one complete subtree.
  if (isPowerOfTwo(n) && begin % n === 0) return nodes(Math.round(Math.log2(n)), begin / n);
  const k = splitPoint(n);
  return nodeHash(rangeHash(begin, begin + k, nodes), rangeHash(begin + k, end, nodes));
}

/** RFC 6962 Merkle Tree Hash of the first `size` leaves. */
export function treeRoot(size: number, nodes: NodeReader): Uint8Array {
  checkSize(size, 'size');
  return size === 0 ? EMPTY_ROOT : rangeHash(0, size, nodes);
}

/** RFC 9162 §2.1.3.1 PATH(index, D[0:size]), leaf-to-root order. */
export function inclusionProof(index: number, size: number, nodes: NodeReader): Uint8Array[] {
  checkSize(size, 'size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new IlogError('INDEX_OUT_OF_RANGE', 'leaf index must be below the tree size', { index, size });
  }
  const proof: Uint8Array[] = [];
  const path = (begin: number, end: number): void => {
    const n = end - begin;
    if (n === 1) return;
    const k = splitPoint(n);
    if (index < begin + k) {
      path(begin, begin + k);
      proof.push(rangeHash(begin + k, end, nodes));
    } else {
      path(begin + k, end);
      proof.push(rangeHash(begin, begin + k, nodes));
    }
  };
  path(0, size);
  return proof;
}

/**
 * RFC 9162 §2.1.4.1 PROOF(oldSize, D[0:newSize]). Empty when oldSize is 0 or equal
 * to newSize (tlog-witness: the proof from size 0 is empty).
 */
export function consistencyProof(oldSize: number, newSize: number, nodes: NodeReader): Uint8Array[] {
  checkSize(oldSize, 'oldSize');
  checkSize(newSize, 'newSize');
  if (oldSize > newSize) throw new IlogError('BAD_TREE_SIZE', 'old size must not exceed new size', { oldSize, newSize });
  if (oldSize === 0 || oldSize === newSize) return [];
  const proof: Uint8Array[] = [];
  // m: old leaves remaining inside [begin, end); b: whether [begin, end) is on the old tree's left edge.
  const subproof = (m: number, begin: number, end: number, b: boolean): void => {
    const n = end - begin;
    if (m === n) {
      if (!b) proof.push(rangeHash(begin, end, nodes));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, begin, begin + k, b);
      proof.push(rangeHash(begin + k, end, nodes));
    } else {
      subproof(m - k, begin + k, end, false);
      proof.push(rangeHash(begin, begin + k, nodes));
    }
  };
  subproof(oldSize, 0, newSize, true);
  return proof;
}

// RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) proof verification.
// Proofs, sizes and roots come from untrusted servers: every shape is checked
// before hashing, and the checks the RFC spells out (running out of path,
// leftover path, final sn == 0) are all kept. Arithmetic uses division rather
// than 32-bit bit operators because indices go up to 2^53.

import { toHex, bytesEqual } from './bytes.js';
import { IlogError } from './errors.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';
import { isPowerOfTwo } from './tree-math.js';

/** A tree of 2^53 leaves has proofs of at most 53 (inclusion) / 2*53 (consistency) hashes. */
const MAX_PROOF = 128;

function isOdd(n: number): boolean {
  return n % 2 === 1;
}
function half(n: number): number {
  return Math.floor(n / 2);
}

function checkShape(proof: readonly Uint8Array[], evidence: Record<string, unknown>): void {
  if (proof.length > MAX_PROOF) throw new IlogError('BAD_PROOF_SHAPE', 'proof has too many hashes', { ...evidence, length: proof.length });
  proof.forEach((p, i) => {
    if (!(p instanceof Uint8Array) || p.byteLength !== HASH_SIZE) {
      throw new IlogError('BAD_PROOF_SHAPE', 'every proof element must be a 32-byte hash', { ...evidence, element: i });
    }
  });
}

function checkSizes(a: number, b: number, names: [string, string]): void {
  for (const [v, name] of [[a, names[0]], [b, names[1]]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new IlogError('BAD_PROOF_SHAPE', `${name} must be a non-negative safe integer`, { [name]: v });
  }
}

/**
 * The root that an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1–4), or an
 * INCLUSION_PROOF_INVALID / BAD_PROOF_SHAPE error when the path has the wrong length.
 */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  checkSizes(index, size, ['index', 'size']);
  const evidence = { index, size };
  if (index >= size) throw new IlogError('INCLUSION_PROOF_INVALID', 'leaf index is not below the tree size', evidence);
  if (leaf.byteLength !== HASH_SIZE) throw new IlogError('BAD_PROOF_SHAPE', 'leaf hash must be 32 bytes', { ...evidence, length: leaf.byteLength });
  checkShape(proof, evidence);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new IlogError('INCLUSION_PROOF_INVALID', 'proof is longer than this tree needs', { ...evidence, length: proof.length });
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // fn is the last node of its level: skip the levels where it has no right sibling.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new IlogError('INCLUSION_PROOF_INVALID', 'proof is shorter than this tree needs', { ...evidence, length: proof.length });
  return r;
}

/** Throws INCLUSION_PROOF_INVALID (with expected and computed roots) unless `leaf` is at `index` in the tree with `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  if (!bytesEqual(computed, root)) {
    throw new IlogError('INCLUSION_PROOF_INVALID', 'inclusion proof does not lead to the expected root: the entry or the tree differs', {
      index,
      size,
      expectedRoot: toHex(root),
      computedRoot: toHex(computed),
    });
  }
}

/**
 * Throws unless the tree of `oldSize` with `oldRoot` is a prefix of the tree of
 * `newSize` with `newRoot`. Equal sizes need an empty proof and equal roots.
 * From size 0 there is nothing to prove: this rejects (0, n > 0) outright, as
 * the transparency-dev test vectors require; callers accept any tree as
 * consistent with an empty one without calling this.
 */
export function verifyConsistency(oldSize: number, newSize: number, proof: readonly Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): void {
  checkSizes(oldSize, newSize, ['oldSize', 'newSize']);
  const evidence = { oldSize, newSize };
  const fail = (message: string, extra: Record<string, unknown> = {}): IlogError =>
    new IlogError('CONSISTENCY_PROOF_INVALID', message, { ...evidence, oldRoot: toHex(oldRoot), newRoot: toHex(newRoot), ...extra });
  if (oldSize > newSize) throw fail('old tree is larger than the new one');
  checkShape(proof, evidence);
  if (oldSize === newSize) {
    if (proof.length !== 0) throw fail('equal sizes need an empty proof', { length: proof.length });
    if (oldSize === 0 && !bytesEqual(oldRoot, EMPTY_ROOT)) throw fail('the empty tree has root SHA-256("")');
    if (!bytesEqual(oldRoot, newRoot)) throw fail('same size, different roots: the log has forked');
    return;
  }
  if (oldSize === 0) throw fail('nothing to prove from an empty tree; treat size 0 as consistent without a proof');
  if (proof.length === 0) throw fail('proof is empty');

  // RFC 9162 §2.1.4.2.
  const path = [...proof];
  if (isPowerOfTwo(oldSize)) path.unshift(oldRoot);
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) throw fail('proof is longer than these sizes need', { length: proof.length });
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw fail('proof is shorter than these sizes need', { length: proof.length });
  if (!bytesEqual(fr, oldRoot)) throw fail('proof does not lead to the old root', { computedOldRoot: toHex(fr) });
  if (!bytesEqual(sr, newRoot)) throw fail('proof does not lead to the new root', { computedNewRoot: toHex(sr) });
}

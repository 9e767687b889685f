// RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256:
//   leaf  = SHA-256(0x00 || entry)
//   node  = SHA-256(0x01 || left || right)
// The hot paths (integrating tiles, `ilog verify`) call these millions of times,
// so both copy into a reused scratch buffer and use the one-shot `crypto.hash`
// (about 1.5x `createHash().update().digest()`), with no Buffer.concat.

import * as crypto from 'node:crypto';
import { createWasmHasher, type WasmHasher } from './sha256-wasm.js';

export const HASH_SIZE = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

type OneShot = (data: Uint8Array) => Uint8Array;
// `crypto.hash` exists from Node 20.12 / 21.7; fall back for older 20.x.
const sha256: OneShot =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** SHA-256 of arbitrary bytes. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** SHA-256("") — the root of the empty tree (RFC 6962 §2.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = NODE_PREFIX;

/** SHA-256(0x01 || left || right). Both inputs must be 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

/** nodeHash over two 32-byte hashes stored at offsets inside one buffer (tile arrays). */
export function nodeHashAt(buf: Uint8Array, leftOff: number, rightOff: number): Uint8Array {
  nodeScratch.set(buf.subarray(leftOff, leftOff + HASH_SIZE), 1);
  nodeScratch.set(buf.subarray(rightOff, rightOff + HASH_SIZE), 1 + HASH_SIZE);
  return sha256(nodeScratch);
}

let leafScratch = new Uint8Array(1 + 1024);

/** SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  if (leafScratch.byteLength < entry.byteLength + 1) {
    leafScratch = new Uint8Array(Math.max(entry.byteLength + 1, leafScratch.byteLength * 2));
  }
  leafScratch[0] = LEAF_PREFIX;
  leafScratch.set(entry, 1);
  return sha256(leafScratch.subarray(0, entry.byteLength + 1));
}

// Compiled on first batch use (tens of ms), so processes that never build tiles don't pay it.
let wasmState: WasmHasher | undefined | null = null;
function batchHasher(): WasmHasher | undefined {
  if (wasmState === null) wasmState = createWasmHasher();
  return wasmState;
}
/**
 * Four SIMD lanes beat one crypto call (SHA-NI, ~1 µs overhead) up to about 1 KiB
 * of entry (bench/ledger.ts: 2.1× at 500 bytes, even at ~1,000, crypto ahead at 2,000).
 */
const WASM_LEAF_MAX = 1024;

/**
 * Node hashes of `count` adjacent (left || right) pairs: src[off + 64i .. +64] →
 * dst[dstOff + 32i .. +32]. The batch path for building tiles: four lanes of
 * WebAssembly SIMD per step (sha256-wasm.ts), else one crypto call per node.
 */
export function hashNodePairs(src: Uint8Array, off: number, count: number, dst: Uint8Array, dstOff: number): void {
  if (count <= 0) return;
  const wasm = batchHasher();
  if (wasm) {
    wasm.hashPairs(src, off, count, dst, dstOff);
    return;
  }
  for (let i = 0; i < count; i++) dst.set(nodeHashAt(src, off + 64 * i, off + 64 * i + HASH_SIZE), dstOff + HASH_SIZE * i);
}

/**
 * Leaf hashes of many entries, concatenated (32 bytes each) into `out` (allocated if
 * omitted). The batch path for `ilog verify` and the integrator.
 */
export function leafHashes(entries: readonly Uint8Array[], out = new Uint8Array(entries.length * HASH_SIZE), outOff = 0): Uint8Array {
  const wasm = batchHasher();
  if (!wasm) {
    entries.forEach((e, i) => out.set(leafHash(e), outOff + HASH_SIZE * i));
    return out;
  }
  if (entries.every((e) => e.byteLength <= WASM_LEAF_MAX)) {
    wasm.hashLeaves(entries, out, outOff);
    return out;
  }
  // Mixed sizes: small entries go through the SIMD lanes, large ones one by one.
  const small: Uint8Array[] = [];
  const at: number[] = [];
  entries.forEach((e, i) => {
    if (e.byteLength <= WASM_LEAF_MAX) {
      small.push(e);
      at.push(i);
    } else {
      out.set(leafHash(e), outOff + HASH_SIZE * i);
    }
  });
  const tmp = new Uint8Array(small.length * HASH_SIZE);
  wasm.hashLeaves(small, tmp, 0);
  at.forEach((i, k) => out.set(tmp.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE), outOff + HASH_SIZE * i));
  return out;
}

/** Whether hashNodePairs and leafHashes run on WebAssembly SIMD (compiles the module if needed). */
export function batchHashingAccelerated(): boolean {
  return batchHasher() !== undefined;
}

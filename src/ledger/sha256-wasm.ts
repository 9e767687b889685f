// Batched SHA-256 for RFC 6962 hashing, four messages at a time with
// WebAssembly SIMD (the "multi-buffer" technique: lane m of every 128-bit vector
// belongs to message m). Why: Node's crypto costs about a microsecond per call
// however small the input, while a node hash is two SHA-256 blocks and a typical
// entry a handful; tile building hashes whole rows of independent nodes and
// `ilog verify` hashes whole bundles of entries. The module is generated here
// from FIPS 180-4's definitions (no build step, no binary in the tree); callers
// fall back to node:crypto when WebAssembly SIMD is unavailable. Every path is
// cross-checked against node:crypto in test/ledger/hash.test.ts.

import { Body, I, V, wasmModule } from './wasm-emitter.js';

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The v128 locals of one four-lane SHA-256 computation, allocated from `base`. */
class Regs {
  readonly W: number[]; readonly S: number[]; readonly SAVED: number[]; readonly IN: number[]; readonly T: number[];
  readonly T1: number; readonly X: number; readonly C: number; readonly MASK: number; readonly count: number;
  constructor(base: number) {
    let next = base;
    const alloc = (k: number): number[] => Array.from({ length: k }, () => next++);
    this.W = alloc(16); this.S = alloc(8); this.SAVED = alloc(8); this.IN = alloc(4); this.T = alloc(4);
    [this.T1, this.X, this.C, this.MASK] = alloc(4) as [number, number, number, number];
    this.count = next - base;
  }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);
const rev = (lo: number): number[] => [lo + 3, lo + 2, lo + 1, lo];
const PAIR_LO = [...range(0, 4), ...range(16, 20), ...range(4, 8), ...range(20, 24)];
const PAIR_HI = [...range(8, 12), ...range(24, 28), ...range(12, 16), ...range(28, 32)];
const FIRST = [...rev(0), ...rev(4), ...rev(16), ...rev(20)];
const SECOND = [...rev(8), ...rev(12), ...rev(24), ...rev(28)];

/** 4×4 transpose of 32-bit lanes with a byte swap per lane: message-major bytes ↔ word-major big-endian lanes (its own inverse). */
function transposeSwap(b: Body, r: Regs, src: readonly number[], dst: readonly number[]): void {
  const [s0, s1, s2, s3] = src as [number, number, number, number];
  const [t0, t1, t2, t3] = r.T as [number, number, number, number];
  b.get(s0).get(s1).shuffle(PAIR_LO).set(t0).get(s2).get(s3).shuffle(PAIR_LO).set(t1);
  b.get(s0).get(s1).shuffle(PAIR_HI).set(t2).get(s2).get(s3).shuffle(PAIR_HI).set(t3);
  b.get(t0).get(t1).shuffle(FIRST).set(dst[0] as number).get(t0).get(t1).shuffle(SECOND).set(dst[1] as number);
  b.get(t2).get(t3).shuffle(FIRST).set(dst[2] as number).get(t2).get(t3).shuffle(SECOND).set(dst[3] as number);
}

/** One SHA-256 compression of the block in W into the state S (FIPS 180-4 §6.2.2), fully unrolled, registers renamed per round. */
function compress(b: Body, r: Regs): void {
  r.S.forEach((s, i) => b.get(s).set(r.SAVED[i] as number));
  let s = [...r.S];
  for (let t = 0; t < 64; t++) {
    const w = r.W[t & 15] as number;
    if (t >= 16) {
      // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]
      const w2 = r.W[(t - 2) & 15] as number, w15 = r.W[(t - 15) & 15] as number;
      b.rotr(w2, 17).rotr(w2, 19).v(V.xor).get(w2).i32(10).v(V.shrU).v(V.xor);
      b.get(r.W[(t - 7) & 15] as number).v(V.add);
      b.rotr(w15, 7).rotr(w15, 18).v(V.xor).get(w15).i32(3).v(V.shrU).v(V.xor).v(V.add);
      b.get(w).v(V.add).set(w);
    }
    const [a, bb, c, d, e, f, g, h] = s as [number, number, number, number, number, number, number, number];
    // T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t], with Ch = bitselect(f, g, e)
    b.rotr(e, 6).rotr(e, 11).v(V.xor).rotr(e, 25).v(V.xor).get(h).v(V.add);
    b.get(f).get(g).get(e).v(V.bitselect).v(V.add).splat32(K[t] as number).v(V.add).get(w).v(V.add).set(r.T1);
    // T2 = Σ0(a) + Maj(a,b,c), with Maj = bitselect(b, a, a ^ c)
    b.rotr(a, 2).rotr(a, 13).v(V.xor).rotr(a, 22).v(V.xor);
    b.get(bb).get(a).get(a).get(c).v(V.xor).v(V.bitselect).v(V.add).set(r.X);
    b.get(d).get(r.T1).v(V.add).set(d); // new e lives in d's local
    b.get(r.T1).get(r.X).v(V.add).set(h); // new a lives in h's local
    s = [h, a, bb, c, d, e, f, g];
  }
  r.S.forEach((sv, i) => b.get(sv).get(r.SAVED[i] as number).v(V.add).set(sv));
}

function initState(b: Body, r: Regs): void {
  H0.forEach((h, i) => b.splat32(h).set(r.S[i] as number));
}

/** Store the four digests (32 bytes each) at local `out` + 32m. */
function storeDigests(b: Body, r: Regs, out: number): void {
  for (let half = 0; half < 2; half++) {
    transposeSwap(b, r, r.S.slice(4 * half, 4 * half + 4), r.IN);
    for (let m = 0; m < 4; m++) b.get(out).get(r.IN[m] as number).storeV(32 * m + 16 * half);
  }
}

/** `loop { if n == 0 break; body; n -= 1 }` around `body`. */
function countedLoop(b: Body, n: number, body: () => void): void {
  b.op(I.block, I.void, I.loop, I.void).get(n).op(I.i32Eqz, I.brIf, 1);
  body();
  b.get(n).i32(1).op(I.i32Sub).set(n).op(I.br, 0, I.end, I.end);
}

// nodes(p = first pair - 1, o, groups): SHA-256(0x01 || 64-byte pair) for 4 adjacent pairs per group.
function nodesFunction(): Body {
  const [P, O, N] = [0, 1, 2];
  const r = new Regs(3);
  const b = new Body();
  countedLoop(b, N, () => {
    // Block 1 = 0x01 || pair bytes 0..62: loads start one byte early, then the prefix byte is forced.
    for (let j = 0; j < 4; j++) {
      for (let m = 0; m < 4; m++) b.loadV(P, 64 * m + 16 * j).set(r.IN[m] as number);
      transposeSwap(b, r, r.IN, r.W.slice(4 * j, 4 * j + 4));
    }
    const w0 = r.W[0] as number, w15 = r.W[15] as number;
    b.get(w0).splat32(0x00ffffff).v(V.and).splat32(0x01000000).v(V.or).set(w0);
    initState(b, r);
    compress(b, r);
    // Block 2 = pair byte 63, 0x80, zeros, bit length 65 * 8.
    for (let m = 0; m < 4; m++) b.loadV(P, 64 * m + 49).set(r.IN[m] as number);
    transposeSwap(b, r, r.IN, r.W.slice(12, 16));
    b.get(w15).i32(24).v(V.shl).splat32(0x00800000).v(V.or).set(w0);
    for (let i = 1; i < 15; i++) b.splat32(0).set(r.W[i] as number);
    b.splat32(520).set(w15);
    compress(b, r);
    storeDigests(b, r, O);
    b.get(P).i32(256).op(I.i32Add).set(P).get(O).i32(128).op(I.i32Add).set(O);
  });
  return b;
}

// leaves(t, o, groups): per group, t holds 4 × u32 offsets then 4 × u32 block counts of
// messages already padded by the caller. Lanes whose message has ended keep their state (mask).
function leavesFunction(): Body {
  const [T, O, N, B, MB] = [0, 1, 2, 3, 4];
  const A = [5, 6, 7, 8];
  const r = new Regs(9);
  const b = new Body();
  countedLoop(b, N, () => {
    b.loadV(T, 16).set(r.C);
    b.get(T).loadI32(16).set(MB);
    for (let m = 1; m < 4; m++) b.get(T).loadI32(16 + 4 * m).get(MB).get(T).loadI32(16 + 4 * m).get(MB).op(0x4b).op(I.select).set(MB);
    initState(b, r);
    b.i32(0).set(B);
    b.op(I.block, I.void, I.loop, I.void).get(B).get(MB).op(I.i32GeU, I.brIf, 1);
    for (let m = 0; m < 4; m++) {
      // Finished lanes re-read their first block; the mask below discards the result.
      b.get(T).loadI32(4 * m).get(B).i32(64).op(I.i32Mul).i32(0).get(B).get(T).loadI32(16 + 4 * m).op(I.i32LtU).op(I.select).op(I.i32Add).set(A[m] as number);
    }
    for (let j = 0; j < 4; j++) {
      for (let m = 0; m < 4; m++) b.loadV(A[m] as number, 16 * j).set(r.IN[m] as number);
      transposeSwap(b, r, r.IN, r.W.slice(4 * j, 4 * j + 4));
    }
    compress(b, r);
    b.get(r.C).get(B).v(0x11).v(V.i32x4GtS).set(r.MASK); // lanes with count > b
    r.S.forEach((s, i) => b.get(s).get(r.SAVED[i] as number).get(r.MASK).v(V.bitselect).set(s));
    b.get(B).i32(1).op(I.i32Add).set(B).op(I.br, 0, I.end, I.end);
    storeDigests(b, r, O);
    b.get(T).i32(32).op(I.i32Add).set(T).get(O).i32(128).op(I.i32Add).set(O);
  });
  return b;
}

export interface WasmHasher {
  /** SHA-256(0x01 || pair) of `count` contiguous 64-byte pairs at pairs[off..] into out[outOff..]. */
  hashPairs(pairs: Uint8Array, off: number, count: number, out: Uint8Array, outOff: number): void;
  /** SHA-256(0x00 || entry) of each entry into out[outOff + 32i..]. */
  hashLeaves(entries: readonly Uint8Array[], out: Uint8Array, outOff: number): void;
}

// Memory map (bytes). Pairs: 1024 per call. Leaves: up to 4096 per call, messages padded in MSG.
const PAIRS = 1024, PAIR_IN = 16, PAIR_OUT = PAIR_IN + PAIRS * 64 + 256;
const LEAVES = 4096, TABLE = 128 << 10, LEAF_OUT = TABLE + (LEAVES / 4) * 32, MSG = LEAF_OUT + LEAVES * 32, MSG_END = 2 << 20;
const PAGES = MSG_END >> 16;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

export function createWasmHasher(): WasmHasher | undefined {
  // The project's TS lib has no WebAssembly value types; this is all we use.
  const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!WA) return undefined;
  let exports: Record<string, unknown>;
  try {
    exports = new WA.Instance(new WA.Module(wasmModule(PAGES, [
      { name: 'nodes', params: 3, i32Locals: 0, v128Locals: new Regs(0).count, body: nodesFunction() },
      { name: 'leaves', params: 3, i32Locals: 6, v128Locals: new Regs(0).count, body: leavesFunction() },
    ]))).exports;
  } catch {
    return undefined; // no SIMD support: callers use node:crypto
  }
  // The memory never grows, so these views stay valid.
  const buf = (exports.mem as { buffer: ArrayBuffer }).buffer;
  const mem = new Uint8Array(buf);
  const dv = new DataView(buf);
  const nodes = exports.nodes as (p: number, o: number, n: number) => void;
  const leaves = exports.leaves as (t: number, o: number, n: number) => void;
  return {
    hashPairs(pairs, off, count, out, outOff) {
      for (let done = 0; done < count; done += PAIRS) {
        const k = Math.min(PAIRS, count - done);
        mem.set(pairs.subarray(off + done * 64, off + (done + k) * 64), PAIR_IN);
        nodes(PAIR_IN - 1, PAIR_OUT, Math.ceil(k / 4));
        out.set(mem.subarray(PAIR_OUT, PAIR_OUT + k * 32), outOff + done * 32);
      }
    },
    hashLeaves(entries, out, outOff) {
      for (let i = 0; i < entries.length; ) {
        let at = MSG;
        let k = 0;
        for (; i + k < entries.length && k < LEAVES; k++) {
          const e = entries[i + k] as Uint8Array;
          const blocks = Math.ceil((e.byteLength + 1 + 9) / 64);
          if (at + blocks * 64 > MSG_END) {
            if (k === 0) throw new RangeError('entry too large for the SIMD buffer; hash it with leafHash');
            break;
          }
          // FIPS 180-4 §5.1.1 padding of 0x00 || entry.
          mem[at] = 0;
          mem.set(e, at + 1);
          const end = at + blocks * 64;
          mem[at + 1 + e.byteLength] = 0x80;
          mem.fill(0, at + 2 + e.byteLength, end - 4);
          dv.setUint32(end - 4, (e.byteLength + 1) * 8, false);
          dv.setUint32(TABLE + 32 * (k >> 2) + 4 * (k & 3), at, true);
          dv.setUint32(TABLE + 32 * (k >> 2) + 16 + 4 * (k & 3), blocks, true);
          at = end;
        }
        for (let pad = k; pad % 4 !== 0; pad++) {
          dv.setUint32(TABLE + 32 * (pad >> 2) + 4 * (pad & 3), MSG, true);
          dv.setUint32(TABLE + 32 * (pad >> 2) + 16 + 4 * (pad & 3), 1, true);
        }
        leaves(TABLE, LEAF_OUT, Math.ceil(k / 4));
        out.set(mem.subarray(LEAF_OUT, LEAF_OUT + k * 32), outOff + i * 32);
        i += k;
      }
    },
  };
}

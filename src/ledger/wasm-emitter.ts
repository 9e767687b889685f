// A tiny WebAssembly bytecode emitter: just what sha256-wasm.ts needs (one
// function body of i32 and v128 locals, SIMD arithmetic, loads and stores,
// block/loop control flow) and the module wrapper around it. Opcodes are from
// the WebAssembly core spec and its fixed-width SIMD proposal (standard since 2.0).

/** Growable byte buffer with LEB128 writers (no per-op arrays: the SHA-256 bodies are ~200 KB). */
class Bytes {
  buf = new Uint8Array(1 << 16);
  len = 0;
  byte(b: number): void {
    if (this.len === this.buf.byteLength) {
      const bigger = new Uint8Array(this.buf.byteLength * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }
  bytes(bs: ArrayLike<number>): void {
    if (bs instanceof Uint8Array && this.len + bs.byteLength <= this.buf.byteLength) {
      this.buf.set(bs, this.len);
      this.len += bs.byteLength;
      return;
    }
    for (let i = 0; i < bs.length; i++) this.byte(bs[i] as number);
  }
  uleb(n: number): void {
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      this.byte(b);
    } while (n !== 0);
  }
  sleb(n: number): void {
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }
  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** SIMD opcodes (prefix 0xfd). */
export const V = {
  load: 0x00, store: 0x0b, const: 0x0c, shuffle: 0x0d, i32x4GtS: 0x3b, and: 0x4e, or: 0x50, xor: 0x51, bitselect: 0x52,
  shl: 0xab, shrU: 0xad, add: 0xae,
} as const;

/** Plain opcodes used here. */
export const I = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, select: 0x1b, i32Load: 0x28,
  i32Eqz: 0x45, i32GeU: 0x4f, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, void: 0x40,
} as const;

export const I32 = 0x7f;
export const V128 = 0x7b;

export class Body {
  readonly out = new Bytes();
  get(l: number): this { this.out.byte(0x20); this.out.uleb(l); return this; }
  set(l: number): this { this.out.byte(0x21); this.out.uleb(l); return this; }
  i32(n: number): this { this.out.byte(0x41); this.out.sleb(n); return this; }
  op(...bytes: number[]): this { this.out.bytes(bytes); return this; }
  v(op: number): this { this.out.byte(0xfd); this.out.uleb(op); return this; }
  /** i32.load of the address on the stack + offset. */
  loadI32(offset: number): this { this.out.byte(I.i32Load); this.out.byte(2); this.out.uleb(offset); return this; }
  /** v128.load of the address in local `addr` + offset. */
  loadV(addr: number, offset: number): this { this.get(addr).v(V.load); this.out.byte(0); this.out.uleb(offset); return this; }
  /** v128.store of (address, value) on the stack at + offset. */
  storeV(offset: number): this { this.v(V.store); this.out.byte(0); this.out.uleb(offset); return this; }
  splat32(n: number): this {
    this.v(V.const);
    for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) this.out.byte((n >>> (8 * k)) & 0xff);
    return this;
  }
  shuffle(lanes: readonly number[]): this { this.v(V.shuffle); this.out.bytes(lanes); return this; }
  /** Rotate every 32-bit lane of local x right by n. */
  rotr(x: number, n: number): this {
    return this.get(x).i32(n).v(V.shrU).get(x).i32(32 - n).v(V.shl).v(V.or);
  }
}

export interface WasmFunction {
  name: string;
  params: number; // all i32
  i32Locals: number;
  v128Locals: number;
  body: Body;
}

/** A module with one memory ("mem", `pages` × 64 KiB) and the given exported functions (no results). */
export function wasmModule(pages: number, fns: readonly WasmFunction[]): Uint8Array {
  const m = new Bytes();
  const section = (id: number, write: (b: Bytes) => void): void => {
    const body = new Bytes();
    write(body);
    m.byte(id);
    m.uleb(body.len);
    m.bytes(body.view());
  };
  const name = (b: Bytes, s: string): void => {
    b.uleb(s.length);
    for (const c of s) b.byte(c.charCodeAt(0));
  };
  m.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  section(1, (b) => {
    b.uleb(fns.length);
    for (const f of fns) {
      b.byte(0x60);
      b.uleb(f.params);
      for (let i = 0; i < f.params; i++) b.byte(I32);
      b.byte(0);
    }
  });
  section(3, (b) => {
    b.uleb(fns.length);
    fns.forEach((_, i) => b.uleb(i));
  });
  section(5, (b) => {
    b.bytes([1, 0]); // one memory, no maximum
    b.uleb(pages);
  });
  section(7, (b) => {
    b.uleb(fns.length + 1);
    name(b, 'mem');
    b.bytes([2, 0]);
    fns.forEach((f, i) => {
      name(b, f.name);
      b.byte(0);
      b.uleb(i);
    });
  });
  section(10, (b) => {
    b.uleb(fns.length);
    for (const f of fns) {
      const code = f.body.out.view();
      const locals = new Bytes();
      locals.byte(2);
      locals.uleb(f.i32Locals);
      locals.byte(I32);
      locals.uleb(f.v128Locals);
      locals.byte(V128);
      b.uleb(locals.len + code.byteLength + 1);
      b.bytes(locals.view());
      b.bytes(code);
      b.byte(I.end);
    }
  });
  return m.view().slice();
}

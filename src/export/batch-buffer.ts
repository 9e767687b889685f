// One growable buffer a batch of export records is written into, so that a batch
// leaves the process in one socket write, with helpers that write numbers and hex
// without making a string per record.

const HEX = Buffer.from('0123456789abcdef', 'latin1');

export class BatchBuffer {
  #buf: Buffer;
  #off = 0;

  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(capacity, 1024));
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.#off + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#off + n));
    this.#buf.copy(grown, 0, 0, this.#off);
    this.#buf = grown;
  }

  /** Writes `s` as UTF-8; the caller reserved Buffer.byteLength(s) bytes. */
  text(s: string): void {
    this.#off += this.#buf.write(s, this.#off);
  }

  /** Copies bytes [s, e) of `b`; reserved by the caller. */
  bytes(b: Uint8Array, s = 0, e = b.length): void {
    const n = e - s;
    // A loop beats set() for the header's short pieces: no subarray object per piece.
    if (n > 64) this.#buf.set(s === 0 && e === b.length ? b : b.subarray(s, e), this.#off);
    else for (let i = 0, o = this.#off; i < n; i++) this.#buf[o + i] = b[s + i]!;
    this.#off += n;
  }

  /** Copies `b`, a backslash before each byte at the offsets `at` (ascending: offsetsOf); reserved by the caller (b.length + at.length bytes). */
  escapedBytes(b: Uint8Array, at: readonly number[]): void {
    let s = 0;
    for (const p of at) {
      this.bytes(b, s, p);
      this.#buf[this.#off++] = 0x5c;
      s = p;
    }
    this.bytes(b, s, b.length);
  }

  byte(c: number): void {
    this.#buf[this.#off++] = c;
  }

  /** A non-negative safe integer in decimal; reserved by the caller (digitCount(n) bytes). */
  digits(n: number): void {
    const d = digitCount(n);
    for (let i = this.#off + d - 1; i >= this.#off; i--) {
      this.#buf[i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.#off += d;
  }

  /** Lowercase hex of bytes [s, e) of `b`; reserved by the caller (2 × (e - s) bytes). */
  hex(b: Uint8Array, s: number, e: number): void {
    const buf = this.#buf;
    let o = this.#off;
    for (let i = s; i < e; i++) {
      const x = b[i]!;
      buf[o++] = HEX[x >> 4]!;
      buf[o++] = HEX[x & 15]!;
    }
    this.#off = o;
  }

  /** What was written (a view: the buffer is not reused). */
  result(): Buffer {
    return this.#buf.subarray(0, this.#off);
  }
}

/** Decimal digits of a non-negative safe integer. */
export function digitCount(n: number): number {
  let d = 1;
  while (n >= 10) (n = Math.floor(n / 10)), d++;
  return d;
}

/** The offsets in `b` of every byte in `values`, ascending (native searches: a few steps per hit instead of one per byte). */
export function offsetsOf(b: Buffer, values: readonly number[]): number[] {
  const at: number[] = [];
  for (const v of values) for (let i = b.indexOf(v); i >= 0; i = b.indexOf(v, i + 1)) at.push(i);
  if (values.length > 1 && at.length > 1) at.sort((x, y) => x - y);
  return at;
}

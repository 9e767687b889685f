// The protocol fuzzer's generator, shared by test/capture/fuzz.test.ts (a
// bounded, seeded run in the suite) and bench/fuzz.ts (the million-input run):
// valid batches that insert a canary row (simple and extended protocol, errors,
// stray COPY messages) and mutations of them (flipped bytes, truncation, wrong
// length fields, unknown types, junk).
import { cstr, int16, int32, message } from '../../src/capture/pg/protocol/messages.js';

/** Deterministic PRNG so a failure reproduces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The canary is a quoted string into a text column: a flipped byte inside it changes the
 * literal and the stored text alike, so "every row has an entry with its value's HMAC" stays
 * exact. (With a number, a flip to `.`, `-` or `*` made PostgreSQL store a value computed
 * from the literals the entry records, `12.5` → 13, and the check saw a row without an entry.)
 */
export function validBatch(n: number, r: () => number): Buffer {
  const insert = `INSERT INTO canary VALUES ('${n}')`;
  const bind = (v: string) => message('B', cstr(''), cstr('s'), int16(0), int16(1), int32(Buffer.byteLength(v)), v, int16(0));
  const choices = [
    () => message('Q', cstr(insert)),
    () => Buffer.concat([message('P', cstr('s'), cstr('INSERT INTO canary VALUES ($1)'), int16(0)), bind(String(n)), message('D', 'P', cstr('')), message('E', cstr(''), int32(0)), message('S')]),
    () => Buffer.concat([message('B', cstr(''), cstr('nope'), int16(0), int16(0), int16(0)), message('E', cstr(''), int32(0)), message('S')]),
    () => Buffer.concat([message('E', cstr('ghost'), int32(0)), message('S'), message('Q', cstr(insert))]),
    () => Buffer.concat([message('d', 'x'), message('c'), message('H'), message('C', 'S', cstr('s')), message('S')]),
  ];
  return choices[Math.floor(r() * choices.length)]!();
}

export function mutate(buf: Buffer, r: () => number): Buffer {
  const b = Buffer.from(buf);
  switch (Math.floor(r() * 6)) {
    case 0: // flip bytes
      for (let i = 0; i < 1 + r() * 4; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    case 1: // truncate
      return b.subarray(0, Math.floor(r() * b.length));
    case 2: // wrong length field
      if (b.length >= 5) b.writeInt32BE(Math.floor(r() * 2 ** 31) * (r() < 0.5 ? -1 : 1) | 0, 1);
      return b;
    case 3: // unknown type
      b[0] = Math.floor(r() * 256);
      return b;
    case 4: // random junk appended
      return Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)))]);
    default:
      return b;
  }
}

/** Random bytes for a start-up packet, half the time with a plausible length prefix. */
export function junkStartup(r: () => number): Buffer {
  const len = Math.floor(r() * 40);
  const junk = Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256)));
  if (r() < 0.5 && len >= 8) junk.writeInt32BE(len, 0);
  return junk;
}

/** The canary rows PostgreSQL holds, read hex-encoded so that a byte the mutations put in a value (a newline) survives. */
export function canaryRows(psql: (sql: string) => string): string[] {
  return psql(`SELECT encode(convert_to(n, 'UTF8'), 'hex') FROM canary`).split('\n').filter(Boolean).map((h) => Buffer.from(h, 'hex').toString('utf8'));
}

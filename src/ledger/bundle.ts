// C2SP tlog-tiles v0.1.0 entry bundles: a sequence of entries, each prefixed by
// its length as a big-endian uint16 (so entries are at most 65,535 bytes).
// Bundles come from untrusted servers and mirrors: every length is checked
// against the remaining bytes before anything is sliced.

import { IlogError } from './errors.js';

const MAX_ENTRY = 0xffff;
const MAX_BUNDLE_ENTRIES = 256;

export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > MAX_BUNDLE_ENTRIES) {
    throw new IlogError('BUNDLE_TOO_LARGE', 'an entry bundle holds at most 256 entries', { count: entries.length });
  }
  let total = 0;
  entries.forEach((e, i) => {
    if (e.byteLength > MAX_ENTRY) {
      throw new IlogError('ENTRY_TOO_LARGE', 'entries are at most 65,535 bytes; truncate large fields', { index: i, length: e.byteLength });
    }
    total += 2 + e.byteLength;
  });
  const out = new Uint8Array(total);
  let off = 0;
  for (const e of entries) {
    out[off] = e.byteLength >>> 8;
    out[off + 1] = e.byteLength & 0xff;
    out.set(e, off + 2);
    off += 2 + e.byteLength;
  }
  return out;
}

/**
 * Decode a bundle. `expectedCount`, when given (the tile width the path promised),
 * must match exactly. Returned entries are views into `data`.
 */
export function decodeBundle(data: Uint8Array, expectedCount?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < data.byteLength) {
    if (out.length === MAX_BUNDLE_ENTRIES) {
      throw new IlogError('BAD_BUNDLE', 'entry bundle has more than 256 entries', { offset: off });
    }
    if (off + 2 > data.byteLength) {
      throw new IlogError('BAD_BUNDLE', 'entry bundle ends inside a length prefix', { offset: off, entry: out.length });
    }
    const len = ((data[off] as number) << 8) | (data[off + 1] as number);
    if (off + 2 + len > data.byteLength) {
      throw new IlogError('BAD_BUNDLE', 'entry bundle ends inside an entry', { offset: off, entry: out.length, length: len });
    }
    out.push(data.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  if (expectedCount !== undefined && out.length !== expectedCount) {
    throw new IlogError('BAD_BUNDLE', 'entry bundle has the wrong number of entries', { expected: expectedCount, found: out.length });
  }
  return out;
}

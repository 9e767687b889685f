// Small byte helpers shared by the ledger modules (hex, base64, comparison).
// Kept dependency-free so that ledger/ stays pure.

import { IlogError, type ErrorCode } from './errors.js';

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(s)) {
    throw new IlogError('BAD_HEX', 'expected an even number of hex digits', { value: s.slice(0, 80) });
  }
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (padding required, no whitespace); Node's decoder alone is lenient. */
export function fromBase64(s: string, code: ErrorCode = 'BAD_BASE64'): Uint8Array {
  if (!BASE64_RE.test(s)) throw new IlogError(code, 'expected standard padded base64', { value: s.slice(0, 80) });
  const out = new Uint8Array(Buffer.from(s, 'base64'));
  // Reject non-canonical encodings (non-zero trailing bits) by re-encoding.
  if (toBase64(out) !== s) throw new IlogError(code, 'base64 is not canonical', { value: s.slice(0, 80) });
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const utf8 = new TextEncoder();

/** Decode strict UTF-8 or throw `code`. */
export function decodeUtf8(b: Uint8Array, code: ErrorCode): string {
  try {
    return utf8Decoder.decode(b);
  } catch {
    throw new IlogError(code, 'input is not valid UTF-8', { length: b.byteLength });
  }
}

/** True unless `s` has lone UTF-16 surrogates (i.e. it encodes to valid UTF-8). */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

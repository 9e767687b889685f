// One log entry as exported: its index, its RFC 6962 leaf hash (so a SIEM user
// can ask ilog for its inclusion proof: `ilog proof inclusion <index>`), the
// log's origin, and the entry exactly as the log holds it (confidential alert
// bodies stay as they are in the entry: encrypted where the alert area encrypts them).
import { isUtf8 } from 'node:buffer';
import { leafHash } from '../ledger/hash.js';

export interface ExportRecord {
  index: number;
  /** Lowercase hex of SHA-256(0x00 ‖ entry bytes). */
  leafHash: string;
  origin: string;
  entry: Record<string, unknown> & { kind: string; time: string };
  /**
   * The entry as the log holds it (the bytes the leaf hash covers, and their text), written
   * into the jsonl, OCSF and CEF forms instead of re-serialising `entry`; absent unless the
   * bytes are UTF-8 on one line (JSON whitespace spans lines: never in canonical entries), so
   * that every form stays one line of UTF-8.
   */
  bytes?: Uint8Array;
  text?: string;
}

/** The record of entry `index`; `hashHex` is its leaf hash when the caller hashed the batch already. */
export function exportRecord(origin: string, index: number, bytes: Uint8Array, hashHex?: string): ExportRecord {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const entry = JSON.parse(text) as ExportRecord['entry'];
  const oneLine = text.indexOf('\n') < 0 && text.indexOf('\r') < 0 && isUtf8(bytes);
  const r: ExportRecord = { index, leafHash: hashHex ?? Buffer.from(leafHash(bytes)).toString('hex'), origin, entry };
  if (oneLine) (r.bytes = bytes), (r.text = text);
  return r;
}

export const EXPORT_FORMATS = ['ocsf', 'cef', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The jsonl form: one JSON object per line, the entry untouched under `entry`. */
export function toJsonl(r: ExportRecord): string {
  return JSON.stringify({ index: r.index, leafHash: r.leafHash, origin: r.origin, entry: r.entry });
}

/**
 * A rendering in three parts, text, entry bytes, text (the exporter copies the entry's bytes
 * into its output as they are instead of re-encoding it; `cefEscaped`: with CEF's extension
 * escaping, cef.ts); without bytes, the whole rendering is the head.
 */
export type RenderedParts = [head: string, entry: Uint8Array | undefined, tail: string, cefEscaped?: boolean];

/** toJsonl in parts: the same object, the entry as stored. */
export function jsonlParts(r: ExportRecord): RenderedParts {
  if (r.bytes === undefined) return [toJsonl(r), undefined, ''];
  return [`{"index":${r.index},"leafHash":"${r.leafHash}","origin":${JSON.stringify(r.origin)},"entry":`, r.bytes, '}'];
}

// One log entry as exported: its index, its RFC 6962 leaf hash (so a SIEM user
// can ask ilog for its inclusion proof: `ilog proof inclusion <index>`), the
// log's origin, and the entry exactly as the log holds it (confidential alert
// bodies stay as they are in the entry: encrypted where the alert area encrypts them).
import { leafHash } from '../ledger/hash.js';

export interface ExportRecord {
  index: number;
  /** Lowercase hex of SHA-256(0x00 ‖ entry bytes). */
  leafHash: string;
  origin: string;
  entry: Record<string, unknown> & { kind: string; time: string };
}

export function exportRecord(origin: string, index: number, bytes: Uint8Array): ExportRecord {
  return { index, leafHash: Buffer.from(leafHash(bytes)).toString('hex'), origin, entry: JSON.parse(Buffer.from(bytes).toString('utf8')) as ExportRecord['entry'] };
}

export const EXPORT_FORMATS = ['ocsf', 'cef', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The jsonl form: one JSON object per line, the entry untouched under `entry`. */
export function toJsonl(r: ExportRecord): string {
  return JSON.stringify({ index: r.index, leafHash: r.leafHash, origin: r.origin, entry: r.entry });
}

// A deterministic, valid `access` entry per (tag, n), so a test can check that
// the bytes at an acknowledged index are exactly what its writer appended.
import { encodeEntry } from '../../src/ledger/entry.js';

export function taggedEntry(tag: string, n: number): Uint8Array {
  return encodeEntry({ v: 1, kind: 'access', time: '2026-11-27T06:00:00.000Z', source: 'pg-proxy', person: `${tag}:${n}`, action: 'insert' });
}

// Log entries: UTF-8 RFC 8785 (JCS) canonical JSON objects with `v`, `kind` and
// `time`, validated against the schema registered for their kind
// (entries/registry.ts). One encoding per entry: decodeEntry rejects bytes that
// are not exactly the canonical form, so equal entries always hash equally.

import canonicalize from 'canonicalize';
import type { z } from 'zod';
import { decodeUtf8, utf8 } from './bytes.js';
import { IlogError } from './errors.js';
import type { AccessEntry } from './entries/access.js';
import type { FamilyEntry } from './entries/families.js';
import type { GenesisEntry } from './entries/genesis.js';
import type { OutcomeEntry } from './entries/outcome.js';
import { entrySchemaFor } from './entries/registry.js';
import { MAX_ENTRY_SIZE } from './tiles.js';

export type Entry = GenesisEntry | AccessEntry | OutcomeEntry | FamilyEntry;

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Validate `obj` against its kind's schema; returns the parsed (cleaned) value. */
export function validateEntry(obj: unknown): Entry {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new IlogError('INVALID_ENTRY', 'an entry must be a JSON object', { field: '', reason: 'not an object' });
  }
  const kind = (obj as { kind?: unknown }).kind;
  if (typeof kind !== 'string') throw new IlogError('INVALID_ENTRY', 'entry has no string "kind"', { field: 'kind', reason: 'missing' });
  const schema = entrySchemaFor(kind);
  if (!schema) throw new IlogError('INVALID_ENTRY', `unknown entry kind "${kind.slice(0, 60)}": register its schema first`, { field: 'kind', reason: 'unknown kind', kind: kind.slice(0, 60) });
  const r = (schema as z.ZodType).safeParse(obj);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue ? fieldPath(issue.path) : '';
    throw new IlogError('INVALID_ENTRY', `invalid ${kind} entry: ${field || '(entry)'} ${issue?.message ?? 'is invalid'}`, {
      kind,
      field,
      reason: issue?.message ?? 'invalid',
    });
  }
  return r.data as Entry;
}

/** Validate, then encode as canonical JSON bytes (≤ 65,535 bytes, the tlog-tiles limit). */
export function encodeEntry(obj: unknown): Uint8Array {
  const valid = validateEntry(obj);
  let text: string | undefined;
  try {
    text = canonicalize(valid);
  } catch (e) {
    // canonicalize throws plain Errors for what RFC 8785 forbids (lone surrogates, NaN, Infinity).
    throw new IlogError('INVALID_ENTRY', `entry cannot be canonical JSON: ${(e as Error).message}`, { field: '', reason: (e as Error).message });
  }
  if (text === undefined) throw new IlogError('INVALID_ENTRY', 'entry is not JSON-serialisable', { field: '', reason: 'not JSON' });
  const bytes = utf8.encode(text);
  if (bytes.byteLength > MAX_ENTRY_SIZE) {
    throw new IlogError('ENTRY_TOO_LARGE', 'entry is over 65,535 bytes: truncate large fields (keep their SHA-256)', { kind: valid.kind, size: bytes.byteLength, max: MAX_ENTRY_SIZE });
  }
  return bytes;
}

/** Parse and validate entry bytes read from the log (attacker-controlled). */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (bytes.byteLength > MAX_ENTRY_SIZE) throw new IlogError('ENTRY_TOO_LARGE', 'entry is over 65,535 bytes', { size: bytes.byteLength });
  const text = decodeUtf8(bytes, 'INVALID_ENTRY');
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new IlogError('INVALID_ENTRY', 'entry is not JSON', { field: '', reason: (e as Error).message });
  }
  const entry = validateEntry(obj);
  if (!isCanonical(obj, text)) {
    throw new IlogError('ENTRY_NOT_CANONICAL', 'entry bytes are not RFC 8785 canonical JSON; write entries with encodeEntry', { kind: entry.kind });
  }
  return entry;
}

/** Whether every object in `v` (parsed JSON) lists its keys in RFC 8785 order (UTF-16 code units). */
function keysSorted(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (Array.isArray(v)) return v.every(keysSorted);
  let prev: string | undefined;
  for (const [k, x] of Object.entries(v)) {
    if (prev !== undefined && !(prev < k)) return false;
    if (!keysSorted(x)) return false;
    prev = k;
  }
  return true;
}

/**
 * Whether `text` is exactly RFC 8785's form of `obj` (its JSON.parse result).
 * JSON.stringify writes strings and numbers as RFC 8785 does, and objects in
 * key order; so if it reproduces `text` and every object's keys are sorted, the
 * text is canonical. That check costs ~1.5 µs where canonicalize costs ~5 µs
 * (426-byte access entry; decodeEntry went from 10.7 to 6.1 µs). Anything else (an escape `\u`, which could hide a
 * lone surrogate; integer-like keys, which V8 reorders) is decided by canonicalize.
 */
function isCanonical(obj: unknown, text: string): boolean {
  if (!text.includes('\\u') && JSON.stringify(obj) === text && keysSorted(obj)) return true;
  try {
    return canonicalize(obj) === text;
  } catch {
    return false; // lone surrogate or a number out of range: not representable in RFC 8785
  }
}

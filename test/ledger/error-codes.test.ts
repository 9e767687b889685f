// One set of error codes (issue #12): the `as const` union in
// src/ledger/errors.ts and the table in docs/errors.md list the same codes in
// the same (sorted) order, and the synonyms that were merged stay merged.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asErrorCode, ERROR_CODES, IlogError } from '../../src/ledger/errors.js';

const documented = [...readFileSync('docs/errors.md', 'utf8').matchAll(/^\| `([A-Z0-9_]+)` \| [^|]+\| [^|]+\|$/gm)].map((m) => m[1]);

describe('error codes', () => {
  it('are unique and sorted, so that adding one is a one-line change in one place', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect([...ERROR_CODES]).toEqual([...ERROR_CODES].sort());
  });

  it('each have exactly one row in docs/errors.md, in the same order', () => {
    expect(documented).toEqual([...ERROR_CODES]);
  });

  it('keep the merged synonyms out', () => {
    for (const old of ['CHECKPOINT_INVALID', 'SIGNATURE_INVALID', 'INVALID_CONFIG', 'TILE_NOT_FOUND', 'BAD_ENTRY', 'PAYLOAD_TOO_LARGE', 'CURSOR_CORRUPT']) {
      expect(ERROR_CODES as readonly string[]).not.toContain(old);
    }
  });

  it('read from outside fall back when unknown', () => {
    expect(asErrorCode('PUSHBACK', 'INTERNAL')).toBe('PUSHBACK');
    expect(asErrorCode('NO_SUCH_CODE', 'FETCH_FAILED')).toBe('FETCH_FAILED');
    expect(asErrorCode(42, 'INTERNAL')).toBe('INTERNAL');
    // @ts-expect-error a code outside the union does not type-check
    expect(new IlogError('NO_SUCH_CODE', 'x').code).toBe('NO_SUCH_CODE');
  });
});

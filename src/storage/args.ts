// Argument checks shared by the LogStorage backends: every index, width and
// entry that reaches a backend may come from an HTTP path or another process,
// so bounds are checked before anything is read or allocated.

import { IlogError, type ErrorCode } from '../ledger/errors.js';
import { HASH_SIZE } from '../ledger/hash.js';
import { MAX_ENTRY_SIZE, MAX_TILE_LEVEL, TILE_WIDTH } from '../ledger/tiles.js';
import type { Integration } from './log-storage.js';

export function checkIndex(value: number, name: string, code: ErrorCode = 'BAD_RANGE'): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new IlogError(code, `${name} must be a non-negative safe integer`, { [name]: value });
  }
}

export function checkTileRef(level: number, index: number, width: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new IlogError('BAD_TILE_LEVEL', 'tile level must be an integer in 0..63', { level });
  }
  checkIndex(index, 'index', 'BAD_TILE_INDEX');
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new IlogError('BAD_TILE_WIDTH', 'tile width must be an integer in 1..256', { width });
  }
}

export function checkEntries(entries: readonly Uint8Array[]): void {
  if (!Array.isArray(entries)) throw new IlogError('INVALID_ENTRY', 'appendBatch takes an array of byte arrays');
  entries.forEach((e, i) => {
    if (!(e instanceof Uint8Array)) throw new IlogError('INVALID_ENTRY', 'entries must be byte arrays (encode objects with encodeEntry)', { position: i });
    if (e.byteLength > MAX_ENTRY_SIZE) {
      throw new IlogError('ENTRY_TOO_LARGE', 'entries are at most 65,535 bytes; truncate large fields', { position: i, length: e.byteLength });
    }
  });
}

/** Shape checks on an integration step; consistency with stored data is the backend's job. */
export function checkIntegration(step: Integration): void {
  checkIndex(step.fromSize, 'fromSize', 'INTEGRATION_CONFLICT');
  checkIndex(step.tree.size, 'size', 'INTEGRATION_CONFLICT');
  if (step.tree.size < step.fromSize) {
    throw new IlogError('INTEGRATION_CONFLICT', 'an integration cannot shrink the tree', { fromSize: step.fromSize, size: step.tree.size });
  }
  if (!(step.tree.root instanceof Uint8Array) || step.tree.root.byteLength !== HASH_SIZE) {
    throw new IlogError('INTEGRATION_CONFLICT', 'tree root must be 32 bytes');
  }
  for (const t of step.tiles) {
    const width = t.data.byteLength / HASH_SIZE;
    checkTileRef(t.level, t.index, Number.isInteger(width) ? width : 0);
  }
  if (step.checkpoint !== undefined) checkNote(step.tree.size, step.checkpoint);
}

/** Largest checkpoint note a backend stores (a note with many cosignatures stays far below it). */
export const MAX_NOTE_BYTES = 1 << 20;

/** A checkpoint note to store: a non-empty string of at most 1 MiB (BAD_CHECKPOINT). */
export function checkNote(size: number, note: unknown): void {
  if (typeof note !== 'string' || note.length === 0 || Buffer.byteLength(note) > MAX_NOTE_BYTES) {
    throw new IlogError('BAD_CHECKPOINT', 'a checkpoint note is a non-empty string of at most 1 MiB', { size });
  }
}

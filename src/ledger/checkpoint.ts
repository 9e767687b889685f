// C2SP tlog-checkpoint v1.0.0: the note text "<origin>\n<size>\n<base64 root>\n"
// followed by optional non-empty extension lines. Parsing is strict (size in
// decimal without leading zeros, canonical base64 of exactly 32 bytes) because
// checkpoints arrive from untrusted logs, witnesses and mirrors.

import { fromBase64, toBase64 } from './bytes.js';
import { IlogError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { openNote, type OpenedNote, type Verifier } from './note.js';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  extensions: string[];
}

const MAX_CHECKPOINT_TEXT = 64 * 1024;

function bad(message: string, evidence?: Record<string, unknown>): IlogError {
  return new IlogError('BAD_CHECKPOINT', message, evidence);
}

function checkLine(line: string, what: string): void {
  if (line === '' || line.includes('\n')) throw bad(`${what} must be a non-empty single line`, { what });
}

export function formatCheckpoint(c: Checkpoint): string {
  checkLine(c.origin, 'origin');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw bad('size must be a non-negative safe integer', { size: c.size });
  if (c.root.byteLength !== HASH_SIZE) throw bad('root must be 32 bytes', { length: c.root.byteLength });
  c.extensions.forEach((e) => checkLine(e, 'extension line'));
  return [c.origin, String(c.size), toBase64(c.root), ...c.extensions].join('\n') + '\n';
}

export function parseCheckpoint(text: string): Checkpoint {
  if (text.length > MAX_CHECKPOINT_TEXT) throw bad('checkpoint is too large', { length: text.length });
  if (!text.endsWith('\n')) throw bad('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw bad('checkpoint needs origin, size and root lines', { lines: lines.length });
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === '') throw bad('origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine)) throw bad('size must be decimal without leading zeros', { size: sizeLine.slice(0, 40) });
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw bad('size is too large', { size: sizeLine });
  const root = fromBase64(rootLine, 'BAD_CHECKPOINT');
  if (root.byteLength !== HASH_SIZE) throw bad('root must be base64 of 32 bytes', { length: root.byteLength });
  extensions.forEach((e, i) => {
    if (e === '') throw bad('extension lines must be non-empty', { line: 3 + i });
  });
  return { origin, size, root, extensions };
}

/**
 * Open a signed checkpoint: verify the note, parse it, and (if given) require the
 * expected origin, so a checkpoint of one log is never taken for another's.
 */
export function openCheckpoint(note: string | Uint8Array, verifiers: readonly Verifier[], expectedOrigin?: string): { checkpoint: Checkpoint; note: OpenedNote } {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
    throw new IlogError('CHECKPOINT_ORIGIN_MISMATCH', 'checkpoint is for another log', { expected: expectedOrigin, found: checkpoint.origin });
  }
  return { checkpoint, note: opened };
}

// The export's durable cursor: the index of the next record to send, per log and
// format. Advancing it and handing a batch to the kernel are ordered so that a
// kill of the exporter (kill -9) neither loses nor repeats a record: the new
// cursor is written and fsynced to a temporary file, renamed over the old one,
// and the batch is written to the socket in the same synchronous stretch right
// after the rename (data in the kernel's socket buffer is still delivered when the
// process dies). Only then is the directory fsynced (the rename's durability
// across a power loss). What stays open is documented in docs/export.md.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { IlogError } from '../ledger/errors.js';
import { fsyncDir } from '../storage/durable-file.js';

export interface CursorState {
  v: 1;
  origin: string;
  format: string;
  next: number;
}

export class ExportCursor {
  readonly path: string;
  #state: CursorState;

  private constructor(path: string, state: CursorState) {
    this.path = path;
    this.#state = state;
  }

  /** Opens `path` (or starts at `from`, default 0, when it does not exist). */
  static open(path: string, origin: string, format: string, from?: number): ExportCursor {
    if (!existsSync(path)) return new ExportCursor(path, { v: 1, origin, format, next: from ?? 0 });
    let s: CursorState;
    try {
      s = JSON.parse(readFileSync(path, 'utf8')) as CursorState;
    } catch (e) {
      throw new IlogError('BAD_CURSOR', `the export cursor ${path} is not valid JSON: restore it, or remove it and start again with --from`, { path, error: (e as Error).message });
    }
    if (s.v !== 1 || !Number.isSafeInteger(s.next) || s.next < 0) throw new IlogError('BAD_CURSOR', `the export cursor ${path} is malformed: restore it, or remove it and start again with --from`, { path });
    if (s.origin !== origin || s.format !== format) throw new IlogError('EXPORT_CURSOR_MISMATCH', `the export cursor ${path} belongs to log ${s.origin} in format ${s.format}, not ${origin} in ${format}: use another --cursor`, { path, origin: s.origin, format: s.format });
    if (from !== undefined && from !== s.next) throw new IlogError('EXPORT_CURSOR_MISMATCH', `--from ${from} disagrees with the cursor ${path} (next ${s.next}): drop --from to resume, or use another --cursor`, { path, next: s.next, from });
    return new ExportCursor(path, s);
  }

  get next(): number {
    return this.#state.next;
  }

  /**
   * Moves the cursor to `next` and calls `send` right after the rename (see the top of this file).
   * `send` returns how many of the records it did NOT hand to the kernel at once (the socket
   * kept them: the receiver is slow); the cursor is then set back before them at once (without
   * fsync: what matters against a kill is the rename), and moved on by settle() once they left.
   */
  advance(next: number, send: () => number): void {
    this.#write(next, true, () => {
      const kept = send();
      if (kept > 0) this.#write(next - kept, false);
    });
    fsyncDir(dirname(this.path));
  }

  /** The kept records of the last advance() have left the process: the cursor may say so. */
  settle(next: number): void {
    if (next !== this.#state.next) this.#write(next, true);
  }

  #write(next: number, sync: boolean, afterRename?: () => void): void {
    const state: CursorState = { ...this.#state, next };
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, JSON.stringify(state) + '\n');
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.#state = state;
    afterRename?.();
  }
}

// The export's durable cursor: the index of the next record to send, per log and
// format. It moves only past a batch that has left the process (written to the
// kernel's socket buffer, which is still delivered when the process dies), so a
// kill of the exporter (kill -9) never loses a record and repeats at most the
// batch in flight. The new cursor is written and fsynced to a temporary file,
// renamed over the old one, and the directory fsynced. An export to a file
// (--out, file-sink.ts) also records the file's length: records and cursor are
// durable together, and a restart cuts the file back to that length, so a kill
// there neither loses nor repeats a record. See docs/export.md.
import { existsSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { IlogError } from '../ledger/errors.js';

export interface CursorState {
  v: 1;
  origin: string;
  format: string;
  next: number;
  /** An export to a file: its absolute path and its length once the records before `next` were written and fsynced. */
  out?: string;
  bytes?: number;
}

export class ExportCursor {
  readonly path: string;
  #state: CursorState;
  /** Whether the state is on disk (a new cursor is not until its first settle). */
  #stored: boolean;

  private constructor(path: string, state: CursorState, stored: boolean) {
    this.path = path;
    this.#state = state;
    this.#stored = stored;
  }

  /**
   * Opens `path` (or starts at `from`, default 0, when it does not exist). `out`: the file the
   * export writes to (--out), which must be the one the cursor was made with (or none for both).
   */
  static open(path: string, origin: string, format: string, from?: number, out?: string): ExportCursor {
    const outPath = out === undefined ? undefined : resolve(out);
    if (!existsSync(path)) return new ExportCursor(path, { v: 1, origin, format, next: from ?? 0, ...(outPath ? { out: outPath } : {}) }, false);
    let s: CursorState;
    try {
      s = JSON.parse(readFileSync(path, 'utf8')) as CursorState;
    } catch (e) {
      throw new IlogError('BAD_CURSOR', `the export cursor ${path} is not valid JSON: restore it, or remove it and start again with --from`, { path, error: (e as Error).message });
    }
    if (s.v !== 1 || !Number.isSafeInteger(s.next) || s.next < 0) throw new IlogError('BAD_CURSOR', `the export cursor ${path} is malformed: restore it, or remove it and start again with --from`, { path });
    if (s.origin !== origin || s.format !== format) throw new IlogError('EXPORT_CURSOR_MISMATCH', `the export cursor ${path} belongs to log ${s.origin} in format ${s.format}, not ${origin} in ${format}: use another --cursor`, { path, origin: s.origin, format: s.format });
    if (from !== undefined && from !== s.next) throw new IlogError('EXPORT_CURSOR_MISMATCH', `--from ${from} disagrees with the cursor ${path} (next ${s.next}): drop --from to resume, or use another --cursor`, { path, next: s.next, from });
    if (s.out !== outPath) throw new IlogError('EXPORT_CURSOR_MISMATCH', `the export cursor ${path} belongs to ${s.out ? `an export to ${s.out}` : 'an export to stdout or syslog'}, not ${outPath ? `one to ${outPath}` : 'one to stdout or syslog'}: use another --cursor`, { path, out: s.out ?? null });
    if (s.out !== undefined && (!Number.isSafeInteger(s.bytes) || s.bytes! < 0)) throw new IlogError('BAD_CURSOR', `the export cursor ${path} is malformed (no output length): restore it, or remove it and start again with --from`, { path });
    return new ExportCursor(path, s, true);
  }

  get next(): number {
    return this.#state.next;
  }

  /** The output file's length the cursor vouches for (undefined: not a file export, or a new cursor). */
  get bytes(): number | undefined {
    return this.#stored ? this.#state.bytes : undefined;
  }

  /**
   * Everything before `next` has left the process: the cursor says so, durably. Asynchronous
   * (the writes and fsyncs run on libuv's threads), so the exporter renders the next batch
   * meanwhile; it sends that batch only once this resolved.
   */
  async settle(next: number, bytes?: number): Promise<void> {
    if (this.#stored && next === this.#state.next && bytes === this.#state.bytes) return;
    const state: CursorState = { ...this.#state, next, ...(bytes === undefined ? {} : { bytes }) };
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.writeFile(JSON.stringify(state) + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.#state = state;
    this.#stored = true;
  }
}

// Follows PostgreSQL's csvlog files in log_directory, in name order (the
// default log_filename, postgresql-%Y-%m-%d_%H%M%S, sorts by time), from a
// position {file, offset, inode}. Rotation moves on to the next file once the
// current one is read to its end; a file that was truncated, replaced or
// removed before it was read to the end is reported as a gap with its extent,
// never skipped silently.
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../../ledger/errors.js';
import { csvRecordEnds, decodeCsvRecord, MAX_RECORD_BYTES } from './csv-records.js';
import { parseServerLogRecord, type ServerLogRecord } from './server-log-record.js';

export interface TailPosition {
  file: string;
  offset: number;
  ino?: number;
}

export interface LogGap {
  file: string;
  /** First byte not read; `to` when known (a removed file's size is not). */
  from: number;
  to?: number;
  why: 'truncated' | 'replaced' | 'removed';
}

export interface PositionedRecord {
  rec: ServerLogRecord;
  /** Position just after this record. */
  pos: TailPosition;
}

/** Complete records found in one read of one file, decoded only when iterated. */
interface Segment {
  buf: Buffer;
  /** File offset of buf[0]. */
  base: number;
  ends: number[];
  file: string;
  ino: number | undefined;
}

export interface TailChunk {
  /**
   * The records read, decoded and parsed one by one as they are iterated (a
   * chunk of megabytes decoded at once outlives the young generation, and
   * garbage collection then dominated). A malformed record throws when it is
   * reached: call seek() with the position of the last record handled.
   */
  records: Iterable<PositionedRecord>;
  count: number;
  /** Where the first record starts (undefined when there is none). */
  from: TailPosition | undefined;
  gaps: LogGap[];
}

function* decodeSegments(segments: Segment[]): Generator<PositionedRecord> {
  for (const g of segments) {
    let start = 0;
    for (const end of g.ends) {
      const offset = g.base + start;
      yield { rec: parseServerLogRecord(decodeCsvRecord(g.buf, start, end), offset), pos: { file: g.file, offset: g.base + end, ino: g.ino } };
      start = end;
    }
  }
}

export function comparePositions(a: TailPosition, b: TailPosition): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset;
}

const isCsv = (n: string): boolean => n.endsWith('.csv');

export class ServerLogTail {
  readonly dir: string;
  #pos: TailPosition | undefined;
  /** A later file seen on an earlier read: the current one is complete once it has been seen twice. */
  #seenNext: string | undefined;

  /**
   * Without a position, `end` is fixed here, when the tail is made: whatever the server logs
   * from now on is read, however long the caller takes to read for the first time (the
   * reconciler loads PostgreSQL's parser first, seconds on a cold start). With no log file
   * yet, every record of the first file to appear is new.
   */
  constructor(dir: string, pos: TailPosition | undefined, from: 'start' | 'end' = 'start') {
    this.dir = dir;
    this.#pos = pos ? { ...pos } : undefined;
    if (!pos && from === 'end') {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (e) {
        throw new IlogError('SERVER_LOG_UNREADABLE', `cannot read the server's log directory ${dir}: ${(e as Error).message}; run the reconciler where the csvlog files are, as a user who can read them, or pass --log-dir`, { dir });
      }
      const last = names.filter(isCsv).sort().at(-1);
      if (last !== undefined) {
        const st = statSync(join(dir, last));
        this.#pos = { file: last, offset: st.size, ino: st.ino };
      }
    }
  }

  position(): TailPosition | undefined {
    return this.#pos ? { ...this.#pos } : undefined;
  }

  /**
   * Bytes of the server's log not read yet: the rest of the current file and every newer
   * file (the reconciler's lag behind the server log's end). Without a position yet, what
   * the first read would cover.
   */
  behind(): number {
    const files = readdirSync(this.dir).filter(isCsv).sort();
    const size = (f: string): number => {
      try {
        return statSync(join(this.dir, f)).size;
      } catch {
        return 0; // rotated away meanwhile
      }
    };
    const pos = this.#pos;
    if (!pos) return files.reduce((n, f) => n + size(f), 0);
    let n = Math.max(0, size(pos.file) - pos.offset);
    for (const f of files) if (f > pos.file) n += size(f);
    return n;
  }

  /** Reads up to about `maxBytes` of complete records from where it stands. */
  read(maxBytes = 4 * 1024 * 1024): TailChunk {
    const segments: Segment[] = [];
    const out: TailChunk = { records: decodeSegments(segments), count: 0, from: undefined, gaps: [] };
    const files = readdirSync(this.dir).filter(isCsv).sort();
    if (!this.#pos) {
      const first = files[0];
      if (!first) return out;
      this.#pos = { file: first, offset: 0, ino: statSync(join(this.dir, first)).ino };
    }
    let budget = maxBytes;
    for (let guard = 0; guard < 10_000 && budget > 0; guard++) {
      const pos: TailPosition = this.#pos;
      const next = files.find((f) => f > pos.file);
      let st;
      try {
        st = statSync(join(this.dir, pos.file));
      } catch {
        if (!next) return out;
        out.gaps.push({ file: pos.file, from: pos.offset, why: 'removed' });
        this.#moveTo(next);
        continue;
      }
      if (pos.ino !== undefined && st.ino !== pos.ino) {
        out.gaps.push({ file: pos.file, from: pos.offset, why: 'replaced' });
        this.#pos = { file: pos.file, offset: 0, ino: st.ino };
        continue;
      }
      pos.ino = st.ino;
      if (st.size < pos.offset) {
        out.gaps.push({ file: pos.file, from: st.size, to: pos.offset, why: 'truncated' });
        pos.offset = 0;
        continue;
      }
      if (st.size > pos.offset) {
        const n = this.#readRecords(pos, st.size, Math.min(budget, MAX_RECORD_BYTES), segments, out);
        budget -= n;
        if (n > 0) continue;
        return out; // a torn record at the end: the server is still writing it
      }
      if (!next) return out;
      if (this.#seenNext !== next) {
        this.#seenNext = next;
        return out;
      }
      this.#moveTo(next);
    }
    return out;
  }

  /** Goes back to `pos` (a position this tail gave): records after it are read again. */
  seek(pos: TailPosition | undefined): void {
    this.#pos = pos ? { ...pos } : undefined;
    this.#seenNext = undefined;
  }

  #moveTo(file: string): void {
    let ino: number | undefined;
    try {
      ino = statSync(join(this.dir, file)).ino;
    } catch {
      ino = undefined;
    }
    this.#pos = { file, offset: 0, ino };
    this.#seenNext = undefined;
  }

  /** Reads complete records from pos.offset; returns the bytes consumed. */
  #readRecords(pos: TailPosition, size: number, budget: number, segments: Segment[], out: TailChunk): number {
    let len = Math.min(size - pos.offset, Math.max(budget, 64 * 1024));
    for (;;) {
      const buf = Buffer.allocUnsafe(len);
      const fd = openSync(join(this.dir, pos.file), 'r');
      let got = 0;
      try {
        while (got < len) {
          const r = readSync(fd, buf, got, len - got, pos.offset + got);
          if (r === 0) break;
          got += r;
        }
      } finally {
        closeSync(fd);
      }
      const bytes = got === len ? buf : buf.subarray(0, got);
      const { ends, consumed } = csvRecordEnds(bytes);
      if (consumed === 0 && len < size - pos.offset && len < MAX_RECORD_BYTES + 1) {
        len = Math.min(size - pos.offset, MAX_RECORD_BYTES + 1);
        continue; // one record longer than the budget
      }
      if (ends.length > 0) segments.push({ buf: bytes, base: pos.offset, ends, file: pos.file, ino: pos.ino });
      out.from ??= ends.length > 0 ? { file: pos.file, offset: pos.offset, ino: pos.ino } : undefined;
      out.count += ends.length;
      pos.offset += consumed;
      return consumed;
    }
  }
}

// Reads the log in index order from a cursor and writes each entry, rendered as
// OCSF, CEF or jsonl (syslog-framed when the sink is a syslog receiver), to a
// sink. Only entries a signed checkpoint covers are exported (ProvenLog), so
// each record's leaf hash has an inclusion proof to ask for.
import { HASH_SIZE, leafHashes } from '../ledger/hash.js';
import type { EntryReader, ProvenLog } from '../log/proven-log.js';
import { toCef } from './cef.js';
import type { ExportCursor } from './cursor.js';
import { ocsfParts } from './ocsf.js';
import { exportRecord, jsonlParts, type ExportFormat, type ExportRecord, type RenderedParts } from './record.js';
import { syslogMessage, type Sink } from './syslog.js';

export interface ExportOptions {
  /** The log, proven (ProvenLog): its readProven hands over the leaf hashes it checked. */
  reader: EntryReader & { readProven?: ProvenLog['readProven'] };
  origin: string;
  format: ExportFormat;
  /** Frame records as RFC 5424 syslog messages (octet counting) instead of one line each. */
  syslog: boolean;
  sink: Sink;
  /** Where to start and what to advance; without one, start at `from`. */
  cursor?: ExportCursor;
  from?: number;
  /** Keep waiting for new entries (until stop()). */
  follow: boolean;
  /** Records per batch (one cursor write each; default 2,000). */
  batch?: number;
  pollMs?: number;
}

/** A record's rendering in parts (record.ts RenderedParts). */
function renderParts(r: ExportRecord, format: ExportFormat): RenderedParts {
  return format === 'ocsf' ? ocsfParts(r) : format === 'cef' ? [toCef(r), undefined, ''] : jsonlParts(r);
}

export function render(r: ExportRecord, format: ExportFormat): string {
  const [head, entry, tail] = renderParts(r, format);
  return entry === undefined ? head : head + (r.text as string) + tail;
}

/**
 * One batch as the bytes to send: every record rendered, syslog-framed (octet counting)
 * or one per line, written into one buffer (one socket write per batch), the entries'
 * stored bytes copied as they are. Each record is written as soon as it is rendered, so
 * its strings die young (holding a batch's renderings until the end made garbage
 * collection a third of OCSF's export time).
 */
function batchBytes(o: ExportOptions, first: number, entries: readonly Uint8Array[], hashes: Uint8Array): Buffer {
  const hex = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength).toString('hex');
  let out = Buffer.allocUnsafe(entries.length * 1024);
  let off = 0;
  for (let i = 0; i < entries.length; i++) {
    const r = exportRecord(o.origin, first + i, entries[i]!, hex.slice(i * HASH_SIZE * 2, (i + 1) * HASH_SIZE * 2));
    const [body, entry, tail] = renderParts(r, o.format);
    const head = o.syslog ? syslogMessage(r, body) : body;
    const n = Buffer.byteLength(head) + (entry?.byteLength ?? 0) + Buffer.byteLength(tail);
    const prefix = o.syslog ? `${n} ` : '';
    if (off + prefix.length + n + 1 > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, off + prefix.length + n + 1));
      out.copy(grown, 0, 0, off);
      out = grown;
    }
    off += out.write(prefix, off, 'latin1');
    off += out.write(head, off);
    if (entry) out.set(entry, off), (off += entry.byteLength);
    off += out.write(tail, off);
    if (!o.syslog) out[off++] = 0x0a;
  }
  return out.subarray(0, off);
}

export interface RunningExport {
  /** Resolves with the next index once the export stopped (caught up without --follow, or stop()). */
  done: Promise<number>;
  stop(): void;
}

export function startExport(o: ExportOptions): RunningExport {
  let stopped = false;
  let wake: (() => void) | undefined;
  const batch = o.batch ?? 2_000;
  const done = (async () => {
    let next = o.cursor?.next ?? o.from ?? 0;
    // The previous batch's delivery to the kernel and cursor move, still running while the
    // next batch is read and rendered; that batch is sent only once they are done, so a kill
    // repeats at most the batch in flight (at most --batch records), never loses one.
    let previous: Promise<void> = Promise.resolve();
    while (!stopped) {
      const size = o.reader.size();
      if (next >= size) {
        await previous;
        if (!o.follow) break;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, o.pollMs ?? 200);
        });
        continue;
      }
      const end = Math.min(size, next + batch);
      const read = o.reader.readProven?.(next, end, batch);
      const entries = read?.entries ?? o.reader.readEntries(next, end);
      const chunk = batchBytes(o, next, entries, read?.hashes ?? leafHashes(entries));
      const to = next + entries.length;
      await previous;
      o.sink.write(chunk);
      const cursor = o.cursor;
      previous = cursor ? o.sink.flushed().then(() => cursor.settle(to)) : Promise.resolve();
      next = to;
    }
    await previous;
    await o.sink.flushed();
    return next;
  })();
  return {
    done,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}

// Reads the log in index order from a cursor and writes each entry, rendered as
// OCSF, CEF or jsonl (syslog-framed when the sink is a syslog receiver), to a
// sink. Only entries a signed checkpoint covers are exported (ProvenLog), so
// each record's leaf hash has an inclusion proof to ask for.
import { HASH_SIZE, leafHashes } from '../ledger/hash.js';
import type { EntryReader, ProvenLog } from '../log/proven-log.js';
import { BatchBuffer, offsetsOf } from './batch-buffer.js';
import { CEF_ESCAPED, cefParts, toCef } from './cef.js';
import type { ExportCursor } from './cursor.js';
import { JsonlWriter } from './jsonl-writer.js';
import { ocsfParts } from './ocsf-text.js';
import { exportRecord, jsonlParts, type ExportFormat, type ExportRecord, type RenderedParts } from './record.js';
import { SYSLOG_BOM, syslogHeader, type Sink } from './syslog.js';

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
  /** Filled while the export runs: where its wall time went (bench/export.ts). */
  timings?: ExportTimings;
}

/** Wall milliseconds per stage of an export, summed over its batches. */
export interface ExportTimings {
  batches: number;
  /** Reading and proving entries (ProvenLog.readProven). */
  readMs: number;
  /** Rendering and framing a batch into its one buffer. */
  renderMs: number;
  /** Waiting for the previous batch to leave the process and its cursor to be durable. */
  waitMs: number;
}

/** A record's rendering in parts (record.ts RenderedParts). */
function renderParts(r: ExportRecord, format: ExportFormat): RenderedParts {
  return format === 'ocsf' ? ocsfParts(r) : format === 'cef' ? cefParts(r) : jsonlParts(r);
}

export function render(r: ExportRecord, format: ExportFormat): string {
  if (format === 'cef') return toCef(r); // its entry part is escaped
  const [head, entry, tail] = renderParts(r, format);
  return entry === undefined ? head : head + (r.text as string) + tail;
}

/**
 * One batch as the bytes to send: every record rendered, syslog-framed (octet counting)
 * or one per line, written into one buffer (one socket write per batch). jsonl records
 * go through JsonlWriter (no parse, no string per record) when it takes the entry; the
 * rest are rendered (the entries' stored bytes copied as they are) and written as soon
 * as each is rendered, so its strings die young (holding a batch's renderings until the
 * end made garbage collection a third of OCSF's export time). The syslog header and the
 * body are written apart: one string holding the BOM (U+FEFF) is a two-byte string, which
 * took an eighth of OCSF's export time to flatten and encode.
 */
function batchBytes(o: ExportOptions, first: number, entries: readonly Uint8Array[], hashes: Uint8Array, jsonl: JsonlWriter | undefined): Buffer {
  // The entries plus a syslog header and the format's fields each (an OCSF access event adds
  // ~1 kB, CEF escapes; sized short, the buffer grew and copied itself a few times a batch).
  let size = 0;
  const extra = o.format === 'jsonl' ? 512 : 1536;
  for (const e of entries) size += e.byteLength * (o.format === 'cef' ? 2 : 1) + extra;
  const out = new BatchBuffer(size);
  let hex: string | undefined;
  for (let i = 0; i < entries.length; i++) {
    const bytes = entries[i]!;
    if (jsonl?.write(out, first + i, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), hashes, i * HASH_SIZE)) continue;
    hex ??= Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength).toString('hex');
    const r = exportRecord(o.origin, first + i, bytes, hex.slice(i * HASH_SIZE * 2, (i + 1) * HASH_SIZE * 2));
    const [body, entry, tail, cefEscaped] = renderParts(r, o.format);
    const head = o.syslog ? syslogHeader(r) : '';
    const escapes = entry && cefEscaped ? offsetsOf(Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength), CEF_ESCAPED) : undefined;
    const entryLength = (entry?.byteLength ?? 0) + (escapes?.length ?? 0);
    const n = Buffer.byteLength(head) + (o.syslog ? SYSLOG_BOM.length : 0) + Buffer.byteLength(body) + entryLength + Buffer.byteLength(tail);
    out.reserve(n + 8);
    if (o.syslog) out.digits(n), out.byte(0x20), out.text(head), out.bytes(SYSLOG_BOM);
    out.text(body);
    if (entry) escapes ? out.escapedBytes(entry, escapes) : out.bytes(entry);
    out.text(tail);
    if (!o.syslog) out.byte(0x0a);
  }
  return out.result();
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
  const jsonl = o.format === 'jsonl' ? new JsonlWriter(o.origin, o.syslog) : undefined;
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
      const t0 = performance.now();
      const read = o.reader.readProven?.(next, end, batch);
      const entries = read?.entries ?? o.reader.readEntries(next, end);
      const t1 = performance.now();
      const chunk = batchBytes(o, next, entries, read?.hashes ?? leafHashes(entries), jsonl);
      const to = next + entries.length;
      const t2 = performance.now();
      await previous;
      if (o.timings) {
        o.timings.batches++;
        o.timings.readMs += t1 - t0;
        o.timings.renderMs += t2 - t1;
        o.timings.waitMs += performance.now() - t2;
      }
      o.sink.write(chunk);
      const cursor = o.cursor;
      // A file's length goes into the cursor with the index: records and cursor durable together (file-sink.ts).
      const bytes = o.sink.length?.();
      previous = cursor ? o.sink.flushed().then(() => cursor.settle(to, bytes)) : Promise.resolve();
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

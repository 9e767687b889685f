// Reads the log in index order from a cursor and writes each entry, rendered as
// OCSF, CEF or jsonl (syslog-framed when the sink is a syslog receiver), to a
// sink. Only entries a signed checkpoint covers are exported (ProvenLog), so
// each record's leaf hash has an inclusion proof to ask for.
import type { EntryReader } from '../log/proven-log.js';
import { toCef } from './cef.js';
import type { ExportCursor } from './cursor.js';
import { toOcsf } from './ocsf.js';
import { exportRecord, toJsonl, type ExportFormat, type ExportRecord } from './record.js';
import { frame, syslogMessage, type Sink } from './syslog.js';

export interface ExportOptions {
  reader: EntryReader;
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

export function render(r: ExportRecord, format: ExportFormat): string {
  return format === 'ocsf' ? JSON.stringify(toOcsf(r)) : format === 'cef' ? toCef(r) : toJsonl(r);
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
    while (!stopped) {
      const size = o.reader.size();
      if (next >= size) {
        if (!o.follow) break;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, o.pollMs ?? 200);
        });
        continue;
      }
      const entries = o.reader.readEntries(next, Math.min(size, next + batch));
      const parts: Buffer[] = [];
      for (let i = 0; i < entries.length; i++) {
        const r = exportRecord(o.origin, next + i, entries[i]!);
        const text = render(r, o.format);
        const part = o.syslog ? frame(syslogMessage(r, text)) : Buffer.from(text + '\n', 'utf8');
        parts.push(part);
      }
      const chunk = Buffer.concat(parts);
      const to = next + entries.length;
      o.sink.write(chunk);
      if (o.cursor) {
        // Only a batch that has left the process moves the cursor: a kill before the move sends
        // this batch again on restart (at most --batch records repeated), never loses it.
        await o.sink.flushed();
        o.cursor.settle(to);
      }
      next = to;
    }
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

// Record look-up for the console ("who accessed patient 42", docs/console.md):
// values never enter the log in clear (DESIGN.md), so the server HMACs the value
// with `<dir>/hmac.key` and lists the access entries whose statement values carry
// that tag, or whose application-reported resource ids name the value itself,
// with the index of each one's `outcome` entry.
// A scan of every durable entry; the look-up is logged by the caller.
import { hmacValue } from '../capture/pg/entries.js';
import type { LogStorage } from '../storage/log-storage.js';

export interface RecordAccess {
  index: number;
  time: string;
  person: string;
  source: string;
  action: string;
  purpose?: string;
  resource?: { type: string; ids?: string[] };
  relations?: string[];
  statement?: string;
  /** Index of the access's `outcome` entry, when one is logged. */
  outcome?: number;
  status?: string;
}

const BATCH = 4096;

/** Calls `visit` with the text and index of every durable entry, in order (the console's scans). */
export function scanEntries(storage: LogStorage, visit: (text: string, index: number) => void): void {
  const dec = new TextDecoder();
  const size = storage.size();
  for (let from = 0; from < size; from += BATCH) {
    storage.readEntries(from, Math.min(size, from + BATCH)).forEach((bytes, i) => visit(dec.decode(bytes), from + i));
  }
}

export function findRecordAccesses(storage: LogStorage, key: Buffer, value: string): { tag: string; accesses: RecordAccess[] } {
  const tag = hmacValue(key, value);
  const accesses: RecordAccess[] = [];
  const byIndex = new Map<number, RecordAccess>();
  scanEntries(storage, (text, index) => {
    if (byIndex.size > 0 && text.includes('"outcome"')) {
      const o = JSON.parse(text) as { kind?: string; access?: number; status?: string };
      const a = o.kind === 'outcome' && typeof o.access === 'number' ? byIndex.get(o.access) : undefined;
      if (a && a.outcome === undefined) Object.assign(a, { outcome: index, ...(o.status ? { status: o.status } : {}) });
      return;
    }
    // Cheap pre-filter before parsing: the tag or the value must appear in the entry's text.
    if (!text.includes('"access"') || (!text.includes(tag) && !text.includes(JSON.stringify(value).slice(1, -1)))) return;
    const e = JSON.parse(text) as Record<string, unknown> & { statement?: { values?: string[]; text?: string }; resource?: { type: string; ids?: string[] } };
    if (e.kind !== 'access') return;
    if (!(e.statement?.values?.includes(tag) || e.resource?.ids?.includes(value))) return;
    const found: RecordAccess = {
      index,
      time: String(e.time),
      person: String(e.person),
      source: String(e.source),
      action: String(e.action),
      ...(typeof e.purpose === 'string' ? { purpose: e.purpose } : {}),
      ...(e.resource ? { resource: e.resource } : {}),
      ...(Array.isArray(e.relations) ? { relations: e.relations as string[] } : {}),
      ...(e.statement?.text ? { statement: e.statement.text } : {}),
    };
    accesses.push(found);
    byIndex.set(found.index, found);
  });
  return { tag, accesses };
}

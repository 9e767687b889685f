// Record look-up for the console ("who accessed patient 42", docs/console.md):
// values never enter the log in clear (DESIGN.md), so the server HMACs the value
// with `<dir>/hmac.key` and lists the access entries whose statement values carry
// that tag, or whose application-reported resource ids name the value, with the
// index of each one's `outcome` entry.
// The console index (console-index.ts) says where to look; each hit is re-read
// from the log and re-matched here, and entries newer than the index (sequenced
// after the newest signed checkpoint) are scanned. The look-up is logged by the caller.
import { hmacValue } from '../capture/pg/entries.js';
import type { LogStorage } from '../storage/log-storage.js';
import { entryRows, type ConsoleIndex, type EntryRows } from './console-index.js';

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

/** The index said something the log does not: the caller rebuilds the index. */
export class IndexMismatch extends Error {}

const BATCH = 4096;
const dec = new TextDecoder();

/** The text of entry `index`. */
export const entryText = (storage: LogStorage, index: number): string => dec.decode(storage.readEntries(index, index + 1)[0]);

/** Calls `visit` with the text and index of every entry in [from, size()), in order. */
export function scanEntries(storage: LogStorage, from: number, visit: (text: string, index: number) => void): void {
  const size = storage.size();
  for (let at = from; at < size; at += BATCH) {
    storage.readEntries(at, Math.min(size, at + BATCH)).forEach((bytes, i) => visit(dec.decode(bytes), at + i));
  }
}

/** Rows of entry `index` as the log has them; throws IndexMismatch unless `ok` holds for them. */
export function checkedRows(storage: LogStorage, key: Buffer, index: number, ok: (rows: EntryRows | undefined) => boolean): EntryRows {
  const rows = entryRows(entryText(storage, index), key);
  if (!ok(rows) || !rows) throw new IndexMismatch(`the console index points at entry ${index}, which does not match the query`);
  return rows;
}

/** Entries a query indexes before it answers; more are read past the index (catchUp() indexes them). */
const SYNC_PER_QUERY = 65_536;

/** Runs `query` against the index; if the log contradicts it, rebuilds the index once and runs it again. */
export function withIndex<T>(index: ConsoleIndex, query: () => T): T {
  index.sync(SYNC_PER_QUERY);
  try {
    return query();
  } catch (e) {
    if (!(e instanceof IndexMismatch)) throw e;
    index.rebuild(e.message);
    return query();
  }
}

export function findRecordAccesses(index: ConsoleIndex, storage: LogStorage, key: Buffer, value: string): { tag: string; accesses: RecordAccess[] } {
  const tag = hmacValue(key, value);
  const accesses = withIndex(index, () => {
    const indexed = index.size;
    const hits = index.accessesWithTag(tag).filter((i) => i < indexed);
    for (const i of hits) checkedRows(storage, key, i, (r) => r?.tags.includes(tag) === true);
    const outcomes = new Map<number, number>();
    for (const i of hits) {
      const o = index.outcomeOf(i);
      if (o !== undefined) {
        checkedRows(storage, key, o, (r) => r?.outcomeOf === i);
        outcomes.set(i, o);
      }
    }
    // Entries the index does not cover yet (no signed checkpoint over them).
    scanEntries(storage, indexed, (text, at) => {
      const rows = entryRows(text, key);
      if (rows?.tags.includes(tag)) hits.push(at);
      else if (rows?.outcomeOf !== undefined && hits.includes(rows.outcomeOf) && !outcomes.has(rows.outcomeOf)) outcomes.set(rows.outcomeOf, at);
    });
    return hits.map((i) => recordAccess(storage, i, outcomes.get(i)));
  });
  return { tag, accesses };
}

function recordAccess(storage: LogStorage, index: number, outcome: number | undefined): RecordAccess {
  const e = JSON.parse(entryText(storage, index)) as Record<string, unknown> & { statement?: { text?: string }; resource?: { type: string; ids?: string[] } };
  // An outcome entry, or the access entry's own outcome (the proxy's reads: docs/proxy.md).
  const o = outcome === undefined ? (e.outcome as { status?: unknown } | undefined) : (JSON.parse(entryText(storage, outcome)) as { status?: unknown });
  return {
    index,
    time: String(e.time),
    person: String(e.person),
    source: String(e.source),
    action: String(e.action),
    ...(typeof e.purpose === 'string' ? { purpose: e.purpose } : {}),
    ...(e.resource ? { resource: e.resource } : {}),
    ...(Array.isArray(e.relations) ? { relations: e.relations as string[] } : {}),
    ...(e.statement?.text ? { statement: e.statement.text } : {}),
    ...(outcome !== undefined ? { outcome } : {}),
    ...(typeof o?.status === 'string' ? { status: o.status } : {}),
  };
}

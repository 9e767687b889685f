// The console's side index (docs/console.md "Index"): SQLite rows derived from the
// log so that a record look-up, a subject access report and a person's timeline
// do not scan a million entries. It is a cache, trusted for nothing (DESIGN.md):
// - it is built only from entries proven into the newest signed checkpoint
//   (ProvenLog: every entry re-hashed and proven into the signed root), and its
//   meta row names the tree it covers (size and RFC 6962 root);
// - on open, that root must be consistent (RFC 9162 §2.1.4) with the newest
//   signed checkpoint, the origin and the HMAC key must be the log's: else the
//   index is rebuilt from entry 0 (a copied, stale or forked index);
// - every hit is re-read from the log and re-matched by the caller, and comes
//   with an inclusion proof to the published checkpoint; a hit that does not
//   match its entry means the index was edited: it is rebuilt;
// - what a query cannot see (a row deleted from the index) is caught by audit(),
//   which re-derives every row from the proven log and compares, block by block.
// Rows are a pure function of one entry (entryRows), so build and audit agree.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { hmacValue } from '../capture/pg/entries.js';
import { fromBase64, toBase64 } from '../ledger/bytes.js';
import { openCheckpoint } from '../ledger/checkpoint.js';
import { IlogError } from '../ledger/errors.js';
import { consistencyProof, treeRoot, verifyConsistency } from '../ledger/merkle.js';
import { verifierFromKey } from '../ledger/note.js';
import { ProvenLog } from '../log/proven-log.js';
import type { LogStorage } from '../storage/log-storage.js';
import { TileCache } from '../storage/tile-cache.js';

/** '2': a person's rows are read from one covering index (a timeline reads them all). */
const FORMAT = '2';
/** Entries per SQLite transaction when the index is built. */
const BATCH = 16_384;
/**
 * Entries the background work (catch-up, audit) handles per event-loop turn: every page
 * waiting meanwhile waits for the whole turn (re-hash, parse, compare), so a turn must
 * be a small part of a page's budget (bench/console.ts reports the longest stall).
 * A multiple of the tile width (256): ProvenLog proves whole tiles.
 */
const TURN = 2048;
/** The most used tables and purposes a timeline lists. */
export const TIMELINE_TOP = 20;

/** What one entry contributes to the index. */
export interface EntryRows {
  /** HMAC tags of the record values an access touched (statement values; HMAC of app resource ids). */
  tags: string[];
  access?: {
    person: string;
    /** ISO time of the access (accessedAt, else time), '' when it has none. */
    at: string;
    /** Relations (proxy) or the resource type (apps). */
    tables: string[];
    purpose: string | null;
    /** The alert a console view names (`…/alerts/<id>…`), so a viewer never sees traces of alerts about themselves. */
    alert: number | null;
  };
  /** For an `outcome` entry: the index of its access. */
  outcomeOf?: number;
}

interface AccessEntry {
  kind?: string;
  person?: unknown;
  time?: unknown;
  accessedAt?: unknown;
  purpose?: unknown;
  source?: unknown;
  relations?: unknown;
  access?: unknown;
  resource?: { type?: unknown; ids?: unknown };
  statement?: { values?: unknown };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function isoTime(v: unknown): string {
  if (typeof v !== 'string') return '';
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? '' : t.toISOString();
}

/** The rows of entry `text` (undefined: none). Cheap text checks first: most entries are skipped unparsed. */
export function entryRows(text: string, key: Buffer): EntryRows | undefined {
  if (!text.includes('"access"') && !text.includes('"outcome"')) return undefined;
  let e: AccessEntry;
  try {
    e = JSON.parse(text) as AccessEntry;
  } catch {
    return undefined;
  }
  if (e.kind === 'outcome') return typeof e.access === 'number' && Number.isSafeInteger(e.access) ? { tags: [], outcomeOf: e.access } : undefined;
  if (e.kind !== 'access' || typeof e.person !== 'string') return undefined;
  const ids = strings(e.resource?.ids);
  const tags = [...new Set([...strings(e.statement?.values), ...ids.map((id) => hmacValue(key, id))])].sort();
  const relations = strings(e.relations);
  const type = typeof e.resource?.type === 'string' ? e.resource.type : undefined;
  const alertId = e.source === 'console' ? ids.map((id) => /\/alerts\/(\d{1,15})(?:\/|$)/.exec(id)).find((m) => m) : undefined;
  return {
    tags,
    access: {
      person: e.person,
      at: isoTime(e.accessedAt ?? e.time),
      tables: relations.length > 0 || !type ? relations : [type],
      purpose: typeof e.purpose === 'string' ? e.purpose : null,
      alert: alertId ? Number(alertId[1]) : null,
    },
  };
}

export interface IndexStatus {
  /** Entries [0, size) are indexed. */
  size: number;
  /** Why the index was last rebuilt from entry 0 ('new' for a fresh file). */
  rebuilt?: { time: string; reason: string };
  /** The last audit against the log. */
  audit?: { time: string; size: number; ok: boolean; reason?: string };
}

export interface TimelineCounts {
  total: number;
  /** `YYYY-MM-DD` → accesses that day, oldest first. */
  days: [string, number][];
  /** Accesses per hour of the day, 0–23 UTC. */
  hours: number[];
  /** Relations (proxy) or resource types (apps), most used first. */
  tables: [string, number][];
  purposes: [string, number][];
  /** Indexes of the newest accesses, newest first. */
  recent: number[];
}

export interface ConsoleIndexOptions {
  storage: LogStorage;
  /** The log's verifier key and origin: the index is bound to their tree. */
  vkey: string;
  origin: string;
  hmacKey: Buffer;
  clock?: () => number;
}

export class ConsoleIndex {
  readonly #db: Database.Database;
  readonly #o: ConsoleIndexOptions;
  readonly #proven: ProvenLog;
  readonly #tiles: TileCache;
  readonly #clock: () => number;
  readonly #keyId: string;
  #status: IndexStatus = { size: 0 };

  private constructor(file: string, o: ConsoleIndexOptions) {
    this.#o = o;
    this.#clock = o.clock ?? Date.now;
    this.#proven = new ProvenLog(o.storage, o.vkey, o.origin);
    this.#tiles = new TileCache((l, i, w) => o.storage.readTile(l, i, w), 256);
    // The key's fingerprint, not the key: an index made under another hmac.key is rebuilt.
    this.#keyId = hmacValue(o.hmacKey, 'ilog-console-index/v1');
    this.#db = new Database(file);
    // Person names, purposes and record tags: as private as the log itself (SQLite gives its -wal and -shm files the same mode).
    if (file !== ':memory:') chmodSync(file, 0o600);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL'); // a cache: a power loss costs a rebuild, never a wrong answer
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS tag (tag TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (tag, idx)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS tag_idx ON tag (idx);
      CREATE TABLE IF NOT EXISTS access (idx INTEGER PRIMARY KEY, person TEXT NOT NULL, at TEXT NOT NULL, tables TEXT NOT NULL, purpose TEXT, alert INTEGER);
      DROP INDEX IF EXISTS access_person;
      CREATE INDEX IF NOT EXISTS access_person_rows ON access (person, idx, at, alert, purpose, tables);
      CREATE TABLE IF NOT EXISTS outcome (idx INTEGER PRIMARY KEY, access INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS outcome_access ON outcome (access, idx);
    `);
  }

  /** Opens (or creates) the index in `file` (':memory:' for none on disk), checks it against the log, and catches it up. */
  static open(file: string, o: ConsoleIndexOptions): ConsoleIndex {
    const index = new ConsoleIndex(file, o);
    try {
      const stale = index.#staleness();
      if (stale) index.#clear(stale);
      else index.#status.size = Number(index.#meta('size'));
      index.sync();
    } catch (e) {
      index.close();
      throw e;
    }
    return index;
  }

  status(): IndexStatus {
    return { ...this.#status };
  }

  /** Entries [0, size) are in the index. */
  get size(): number {
    return this.#status.size;
  }

  /**
   * Indexes the entries up to the newest signed checkpoint (each proven into it), at most
   * about `max` of them (a query must not block the server behind a bulk import: what is
   * left is read past the index, and catchUp() indexes it in the background). Returns the indexed size.
   */
  sync(max = Infinity): number {
    const target = this.#proven.size();
    const nodes = this.#tiles.nodeReader(target);
    const ins = this.#inserts();
    const stop = Math.min(target, this.#status.size + max);
    while (this.#status.size < stop) {
      const from = this.#status.size;
      const entries = this.#proven.readEntries(from, Math.min(stop, from + BATCH));
      const to = from + entries.length;
      const root = treeRoot(to, nodes);
      this.#db.transaction(() => {
        const dec = new TextDecoder();
        entries.forEach((bytes, i) => ins(from + i, entryRows(dec.decode(bytes), this.#o.hmacKey)));
        this.#setMeta({ size: String(to), root: toBase64(root) });
      })();
      this.#status.size = to;
    }
    return this.#status.size;
  }

  /** Indexes up to the newest signed checkpoint a batch per event-loop turn. */
  async catchUp(): Promise<void> {
    while (this.#status.size < this.#proven.size() && this.#db.open) {
      this.sync(TURN);
      await yieldToLoop();
    }
  }

  /** Access entries carrying `tag`, ascending (the caller re-reads and re-matches each). */
  accessesWithTag(tag: string): number[] {
    return (this.#db.prepare('SELECT idx FROM tag WHERE tag = ? ORDER BY idx').pluck().all(tag) as number[]);
  }

  /** The index of the first `outcome` entry of access `access`, if indexed. */
  outcomeOf(access: number): number | undefined {
    return (this.#db.prepare('SELECT min(idx) FROM outcome WHERE access = ?').pluck().get(access) as number | null) ?? undefined;
  }

  /**
   * Counts of `person`'s accesses, leaving out console views of every alert not in `shownAlerts`.
   * One read of their rows from the covering index, counted here: a busy reviewer has tens of
   * thousands of views, and five grouped queries each filtering on the shown alerts cost 4× more.
   */
  timeline(person: string, shownAlerts: readonly number[], recent = 20): TimelineCounts {
    const shown = new Set(shownAlerts);
    const rows = this.#db.prepare(`SELECT idx, at, alert, purpose, tables FROM access WHERE person = ? AND at != '' ORDER BY idx DESC`).raw().all(person) as [number, string, number | null, string | null, string][];
    const hours = new Array<number>(24).fill(0);
    const days = new Map<string, number>();
    const tables = new Map<string, number>();
    const purposes = new Map<string, number>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    const newest: number[] = [];
    let total = 0;
    for (const [idx, at, alert, purpose, tablesJson] of rows) {
      if (alert !== null && !shown.has(alert)) continue;
      total++;
      hours[Number(at.slice(11, 13))]!++;
      bump(days, at.slice(0, 10));
      for (const t of JSON.parse(tablesJson) as string[]) bump(tables, t);
      bump(purposes, purpose ?? '(none given)');
      if (newest.length < recent) newest.push(idx);
    }
    const byKey = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
    const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || byKey(a, b)).slice(0, TIMELINE_TOP);
    return { total, days: [...days].sort(byKey), hours, tables: top(tables), purposes: top(purposes), recent: newest };
  }

  /** The alerts `person`'s console views name (those a viewer's timeline may show once checked). */
  alertsViewedBy(person: string): number[] {
    return this.#db.prepare('SELECT DISTINCT alert FROM access WHERE person = ? AND alert IS NOT NULL').pluck().all(person) as number[];
  }

  /** Drops every row and rebuilds from entry 0 (a hit that did not match its entry, a failed audit). */
  rebuild(reason: string): number {
    this.#clear(reason);
    return this.sync();
  }

  /**
   * Re-derives the rows of every indexed entry from the proven log and compares
   * them with the stored ones, a block of TURN entries per event-loop turn. On
   * the first difference the index is rebuilt. Returns the audit's outcome.
   */
  async audit(): Promise<NonNullable<IndexStatus['audit']>> {
    const size = this.#status.size;
    const dec = new TextDecoder();
    let reason: string | undefined;
    for (let from = 0; from < size && !reason; from += TURN) {
      const to = Math.min(size, from + TURN);
      const derived: string[] = [];
      this.#proven.readEntries(from, to).forEach((bytes, i) => derived.push(...rowLines(from + i, entryRows(dec.decode(bytes), this.#o.hmacKey))));
      if (this.#status.size < to) break; // rebuilt meanwhile by a query: that rebuild stands
      const stored = this.#storedLines(from, to);
      if (digest(derived) !== digest(stored)) reason = `the index rows of entries ${from}–${to - 1} differ from the log`;
      await yieldToLoop();
    }
    const result = { time: new Date(this.#clock()).toISOString(), size, ok: !reason, ...(reason ? { reason } : {}) };
    this.#status.audit = result;
    if (reason) this.rebuild(`audit: ${reason}`);
    return result;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Why the stored index cannot be used (undefined: it can). */
  #staleness(): string | undefined {
    if (this.#meta('format') === undefined) return 'new';
    if (this.#meta('format') !== FORMAT) return 'index format changed';
    if (this.#meta('origin') !== this.#o.origin) return 'the index is of another log';
    if (this.#meta('key') !== this.#keyId) return 'the index was made with another hmac.key';
    const size = Number(this.#meta('size'));
    const root = this.#meta('root');
    if (!Number.isSafeInteger(size) || size < 0 || root === undefined) return 'the index names no tree';
    if (size === 0) return undefined;
    const note = this.#o.storage.latestCheckpoint();
    if (note === undefined) return 'the log has no signed checkpoint';
    try {
      const { checkpoint: cp } = openCheckpoint(note, [verifierFromKey(this.#o.vkey)], this.#o.origin);
      if (cp.size < size) return `the index covers ${size} entries, the log's newest checkpoint ${cp.size}`;
      verifyConsistency(size, cp.size, consistencyProof(size, cp.size, this.#tiles.nodeReader(cp.size)), fromBase64(root), cp.root);
    } catch (e) {
      return `the index's tree is not consistent with the signed log (${e instanceof IlogError ? e.code : String(e)})`;
    }
    return undefined;
  }

  #clear(reason: string): void {
    this.#db.transaction(() => {
      this.#db.exec('DELETE FROM tag; DELETE FROM access; DELETE FROM outcome; DELETE FROM meta;');
      this.#setMeta({ format: FORMAT, origin: this.#o.origin, key: this.#keyId, size: '0', root: '' });
    })();
    this.#status = { size: 0, rebuilt: { time: new Date(this.#clock()).toISOString(), reason }, ...(this.#status.audit ? { audit: this.#status.audit } : {}) };
  }

  #inserts(): (index: number, rows: EntryRows | undefined) => void {
    const tag = this.#db.prepare('INSERT OR IGNORE INTO tag (tag, idx) VALUES (?, ?)');
    const access = this.#db.prepare('INSERT OR REPLACE INTO access (idx, person, at, tables, purpose, alert) VALUES (?, ?, ?, ?, ?, ?)');
    const outcome = this.#db.prepare('INSERT OR REPLACE INTO outcome (idx, access) VALUES (?, ?)');
    return (index, rows) => {
      if (!rows) return;
      for (const t of rows.tags) tag.run(t, index);
      const a = rows.access;
      if (a) access.run(index, a.person, a.at, JSON.stringify(a.tables), a.purpose, a.alert);
      if (rows.outcomeOf !== undefined) outcome.run(index, rows.outcomeOf);
    };
  }

  #storedLines(from: number, to: number): string[] {
    const lines: string[] = [];
    const byIdx = new Map<number, EntryRows>();
    const at = (i: number) => byIdx.get(i) ?? byIdx.set(i, { tags: [] }).get(i)!;
    for (const [t, i] of this.#db.prepare('SELECT tag, idx FROM tag WHERE idx >= ? AND idx < ? ORDER BY idx, tag').raw().all(from, to) as [string, number][]) at(i).tags.push(t);
    for (const rows of byIdx.values()) rows.tags.sort();
    for (const [i, person, when, tables, purpose, alert] of this.#db.prepare('SELECT idx, person, at, tables, purpose, alert FROM access WHERE idx >= ? AND idx < ?').raw().all(from, to) as [number, string, string, string, string | null, number | null][]) {
      at(i).access = { person, at: when, tables: JSON.parse(tables) as string[], purpose, alert };
    }
    for (const [i, access] of this.#db.prepare('SELECT idx, access FROM outcome WHERE idx >= ? AND idx < ?').raw().all(from, to) as [number, number][]) at(i).outcomeOf = access;
    for (const i of [...byIdx.keys()].sort((a, b) => a - b)) lines.push(...rowLines(i, byIdx.get(i)));
    return lines;
  }

  #meta(k: string): string | undefined {
    return (this.#db.prepare('SELECT v FROM meta WHERE k = ?').pluck().get(k) as string | undefined) ?? undefined;
  }

  #setMeta(values: Record<string, string>): void {
    const put = this.#db.prepare('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)');
    for (const [k, v] of Object.entries(values)) put.run(k, v);
  }
}

/** One line per stored row of entry `index`, in a fixed order (what audit compares). */
function rowLines(index: number, rows: EntryRows | undefined): string[] {
  if (!rows) return [];
  const lines = rows.tags.map((t) => `t ${index} ${t}`);
  if (rows.access) lines.push(`a ${index} ${JSON.stringify(rows.access)}`);
  if (rows.outcomeOf !== undefined) lines.push(`o ${index} ${rows.outcomeOf}`);
  return lines;
}

const digest = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

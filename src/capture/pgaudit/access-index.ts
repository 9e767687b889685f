// The proxy's `access` entries that carry `upstream` (backend pid, local port,
// statement number, HMAC of the query string sent), read from the log in index
// order and queued per upstream connection ("pid:port"), so each pgAudit record
// on a proxy backend is matched to exactly one entry. Each queue holds runs: a
// run is one upstream connection (its numbers start again at 1).

export interface LogReader {
  size(): number;
  readEntries(from: number, to: number): Uint8Array[];
}

export interface AccessRef {
  index: number;
  seq: number;
  query: string;
  time: number;
  person: string;
  relations: string[];
}

const CHUNK = 4096;

/** A FIFO with O(1) removal from the front (Array#splice(0, n) shifts every element left). */
class Queue {
  items: AccessRef[] = [];
  head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  at(i: number): AccessRef {
    return this.items[this.head + i]!;
  }
  drop(n: number): void {
    this.head += n;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
/** Entries scanned past when looking for a match (statements the server never ran: refused, failed to parse). */
const MAX_SKIP = 10_000;

export const backendKey = (pid: number, port: number | undefined): string => `${pid}:${port ?? ''}`;

export class AccessIndex {
  #log: LogReader;
  #next: number;
  /** The log's size when the server log was last read: entries past it may belong to statements not yet read. */
  #limit = 0;
  #queues = new Map<string, Queue>();
  /** Per key, the index of the last entry matched (entries at or before it are never matched again). */
  #consumed: Map<string, number>;

  constructor(log: LogReader, from: number, consumed: Record<string, number> = {}) {
    this.#log = log;
    this.#next = from;
    this.#consumed = new Map(Object.entries(consumed));
  }

  /**
   * Makes the entries appended so far available to take() (call after reading
   * the server log, never before: every entry of a statement read from it is
   * then below this size). They are read lazily, a chunk at a time, when a
   * statement is not matched by what was read already: catching up on a long
   * stretch of log keeps a few thousand entries in memory, not all of them.
   */
  refresh(): void {
    this.#limit = this.#log.size();
  }

  /** Reads the next chunk of entries below the limit; false when there is none. */
  #readChunk(): boolean {
    if (this.#next >= this.#limit) return false;
    const raw = this.#log.readEntries(this.#next, Math.min(this.#limit, this.#next + CHUNK));
    if (raw.length === 0) return false;
    for (let i = 0; i < raw.length; i++) this.#add(this.#next + i, raw[i]!);
    this.#next += raw.length;
    return true;
  }

  #add(index: number, bytes: Uint8Array): void {
    // Cheap pre-filter: only proxy access entries with an upstream field matter here.
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    if (!text.includes('"upstream":{')) return;
    const e = JSON.parse(text) as { kind?: string; source?: string; upstream?: { pid: number; port?: number; seq: number; query: string }; time: string; person: string; relations?: string[] };
    // Only the proxy opens upstream backends: an application's entry cannot cover a database statement.
    if (e.kind !== 'access' || e.source !== 'pg-proxy' || !e.upstream) return;
    const key = backendKey(e.upstream.pid, e.upstream.port);
    if ((this.#consumed.get(key) ?? -1) >= index) return;
    let q = this.#queues.get(key);
    if (!q) this.#queues.set(key, (q = new Queue()));
    q.items.push({ index, seq: e.upstream.seq, query: e.upstream.query, time: Date.parse(e.time), person: e.person, relations: e.relations ?? [] });
  }

  /**
   * The first entry of the current run of `key` whose query HMAC is `query`,
   * written no earlier than `notBefore` (ms; the backend's start), or undefined.
   * Entries of the run before it are dropped: they never reached the executor.
   */
  take(key: string, query: string, notBefore: number): AccessRef | undefined {
    for (let i = 0; ; ) {
      const q = this.#queues.get(key);
      if (q) {
        // Entries older than the backend belong to an earlier connection with the same pid and port.
        let stale = 0;
        while (stale < q.length && q.at(stale).time < notBefore) stale++;
        if (stale > 0) {
          q.drop(stale);
          i = 0;
        }
        for (; i < q.length; i++) {
          if (i >= MAX_SKIP) return undefined;
          const r = q.at(i);
          if (i > 0 && r.seq <= q.at(i - 1).seq) return undefined; // next run: another connection
          if (r.query !== query) continue;
          q.drop(i + 1);
          if (q.length === 0) this.#queues.delete(key);
          this.#consumed.set(key, r.index);
          return r;
        }
      }
      // The queue ended inside the current run: its next entries may not be read yet.
      if (!this.#readChunk()) return undefined;
    }
  }

  /** The backend of `key` ended: drop what is left of its current run. */
  endRun(key: string): void {
    // Every entry of the ended backend is below the limit: read them all, so none is left to look like a later run.
    while (this.#readChunk());
    const q = this.#queues.get(key);
    if (!q) return;
    let i = 0;
    while (i < q.length && (i === 0 || q.at(i).seq > q.at(i - 1).seq)) i++;
    q.drop(i);
    if (q.length === 0) this.#queues.delete(key);
  }

  /** Where a restart must rescan from: the oldest queued entry, or the next unread one. */
  lowWater(): number {
    let low = this.#next;
    for (const q of this.#queues.values()) if (q.length > 0 && q.at(0).index < low) low = q.at(0).index;
    return low;
  }

  consumed(): Record<string, number> {
    return Object.fromEntries(this.#consumed);
  }

  /** Forgets consumption marks older than `index` (bounded state: only marks above the low water matter). */
  prune(): void {
    const low = this.lowWater();
    for (const [k, v] of this.#consumed) if (v < low) this.#consumed.delete(k);
  }
}

// Matches upstream responses to the client requests that caused them, in
// order (protocol v3 answers every request in sequence). The proxy uses this
// to know when a statement finished (for its `outcome` entry), to insert its
// own answers (refusals, `SET ilog.purpose`) at exactly the point in the
// response stream where PostgreSQL would have put them, and to follow
// PostgreSQL's rule that after an error in extended protocol everything up to
// the next Sync is skipped.

import type { Hold } from './client-output.js';

/** A statement whose access entry is in the log and whose outcome is awaited. */
export interface Tracked {
  /** Its access entry's index (set when `hold` is durable, for an overlapped statement). */
  access: number;
  start: number;
  /** Overlapped statements: the durability its responses wait for. */
  hold?: Hold;
}

export type PendingItem =
  | { t: 'parse' | 'bind' | 'close' | 'describe' }
  | { t: 'exec'; stmt?: Tracked; hold?: Hold }
  | { t: 'sync' }
  /** Simple Query or FunctionCall: statements finish one by one, the item ends at ReadyForQuery. */
  | { t: 'query'; stmts: Tracked[]; next: number; lastError?: string; hold?: Hold }
  /** Bytes the proxy answers itself, sent when every earlier response has been. */
  | { t: 'inject'; make: () => Buffer }
  /** The proxy's own statement (probe.ts): its responses are consumed here, never relayed. */
  | ProbeItem;

/** Consumes the responses to one statement the proxy sent itself; `feed` returns true when they are complete. */
export interface ProbeItem {
  t: 'probe';
  feed(type: string, body: Buffer): boolean;
  /** PostgreSQL skipped it (an earlier error in the same extended-protocol batch). */
  skipped(): void;
}

/** Messages PostgreSQL may send at any time, which belong to no request. */
const ASYNC = new Set(['N', 'A', 'S']);

const ENDS: Record<string, string> = { parse: '1', bind: '2', close: '3' };
const PLAIN = new Set<PendingItem['t']>(['parse', 'bind', 'describe', 'close', 'sync']);

export interface Finished {
  stmt: Tracked;
  status: 'ok' | 'error';
  command?: string;
  sqlstate?: string;
}

export class PendingQueue {
  #items: PendingItem[] = [];
  #head = 0;
  /** An Execute was answered after the last Sync's ReadyForQuery: the transaction state that ReadyForQuery reported may be stale. */
  #ranSinceReady = false;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: PendingItem): void {
    this.#items.push(item);
  }

  /**
   * Whether every request still awaiting its answer is one that cannot change the transaction's state
   * (Parse, Bind, Describe, Close, Sync), and no Execute has been answered since the last Sync's ReadyForQuery.
   */
  onlyPlain(): boolean {
    if (this.#ranSinceReady) return false;
    for (let i = this.#head; i < this.#items.length; i++) if (!PLAIN.has(this.#items[i]!.t)) return false;
    return true;
  }

  /** The request the next upstream message answers. */
  get head(): PendingItem | undefined {
    return this.#items[this.#head];
  }

  #peek(): PendingItem | undefined {
    return this.#items[this.#head];
  }

  #shift(): PendingItem | undefined {
    const it = this.#items[this.#head];
    if (it === undefined) return undefined;
    if (it.t === 'exec') this.#ranSinceReady = true;
    else if (it.t === 'sync') this.#ranSinceReady = false;
    this.#items[this.#head++] = undefined as never;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return it;
  }

  /**
   * When the head is the proxy's own statement, gives it this message and
   * returns true (the message is not for the client).
   */
  toProbe(type: string, body: Buffer): boolean {
    const head = this.#peek();
    if (head?.t !== 'probe' || ASYNC.has(type)) return false;
    if (head.feed(type, body)) this.#shift();
    return true;
  }

  /** Takes the injected answers now at the head (every earlier response has been relayed). */
  takeInjected(): Buffer[] {
    const out: Buffer[] = [];
    for (let it = this.#peek(); it?.t === 'inject'; it = this.#peek()) {
      this.#shift();
      out.push(it.make());
    }
    return out;
  }

  /**
   * Accounts for one upstream message. `tag` is the CommandComplete tag for 'C',
   * `sqlstate` the code for 'E'. Returns the statements this message finished.
   */
  onUpstream(type: string, tag?: string, sqlstate?: string): Finished[] {
    const head = this.#peek();
    if (!head || head.t === 'inject' || head.t === 'probe') return [];
    const done: Finished[] = [];
    if (head.t === 'query') {
      if (type === 'C' || type === 'E' || type === 'V') {
        const stmt = head.stmts[head.next++];
        if (type === 'E') head.lastError = sqlstate;
        if (stmt) done.push(type !== 'E' ? { stmt, status: 'ok', command: tag } : { stmt, status: 'error', sqlstate });
      } else if (type === 'Z') {
        // Statements after a failed one never ran.
        for (const stmt of head.stmts.slice(head.next)) done.push({ stmt, status: 'error', sqlstate: head.lastError });
        this.#shift();
      }
      return done;
    }
    if (type === 'E') {
      if (head.t === 'exec' && head.stmt) done.push({ stmt: head.stmt, status: 'error', sqlstate });
      // PostgreSQL skips everything up to Sync; so do we (injected answers included).
      while (this.#peek() && this.#peek()!.t !== 'sync') {
        const it = this.#shift()!;
        if (it.t === 'probe') it.skipped();
        if (it !== head && it.t === 'exec' && it.stmt) done.push({ stmt: it.stmt, status: 'error', sqlstate });
      }
      return done;
    }
    const ends =
      head.t === 'exec' ? type === 'C' || type === 'I' || type === 's' : head.t === 'describe' ? type === 'T' || type === 'n' : head.t === 'sync' ? type === 'Z' : type === ENDS[head.t];
    if (ends) {
      this.#shift();
      if (head.t === 'exec' && head.stmt) done.push({ stmt: head.stmt, status: 'ok', command: type === 'C' ? tag : undefined });
    }
    return done;
  }
}

// Responses on their way to the client, strictly in order. A statement proven
// read-only runs upstream while its access entry is still being made durable
// (the overlapped path); its response frames — and everything after them — are
// held here until that entry is durable. If the log cannot make it durable the
// held frames are dropped and the client gets the refusal instead (IL002):
// not one row of that statement leaves the proxy.
import type { Socket } from 'node:net';
import { CoalescedWriter } from './coalesced-writer.js';
import { errorResponse, type ErrorFields } from './protocol/messages.js';
import type { StatementOutcome } from './entries.js';
import type { Tracked } from './pending.js';

const Z = 0x5a; // ReadyForQuery
/** Asynchronous messages (NotificationResponse, ParameterStatus) are not part of any statement's answer. */
const ASYNC = new Set([0x41, 0x53]);

/** The durability of one overlapped request's access entries. */
export class Hold {
  state: 'wait' | 'ok' | 'failed' = 'wait';
  error: ErrorFields | undefined;
  /** The refusal has been sent in place of the held frames. */
  reported = false;
  /** Statements whose access indexes become known when the entries are durable. */
  readonly tracked: Tracked[] = [];
  readonly settled: Promise<void>;
  /** Bytes of answer held while the entries are not appended yet (see later). */
  bytes = 0;
  #settle!: () => void;
  /** Set while the entries wait for the answer (see later): appends them, with the outcomes it has. */
  #append: ((outcomes?: (StatementOutcome | undefined)[]) => void) | undefined;
  #outcomes: (StatementOutcome | undefined)[] = [];
  #answered = 0;

  /** `extended`: an Execute, after whose refusal PostgreSQL's client expects nothing until ReadyForQuery. */
  constructor(readonly extended: boolean) {
    this.settled = new Promise((r) => (this.#settle = r));
  }

  /**
   * The entries are appended once every statement's answer is in, each with its outcome
   * (one entry per statement instead of two); or earlier, without outcomes, by start().
   * Returns what the append resolves with.
   */
  later<T>(append: (outcomes?: (StatementOutcome | undefined)[]) => Promise<T>): Promise<T> {
    return new Promise((resolve) => (this.#append = (o) => resolve(append(o))));
  }

  /** Whether the entries still wait for the answer (later()). */
  get waiting(): boolean {
    return this.#append !== undefined;
  }

  /** Takes a statement's outcome into its entry; false when the entries are appended already (the outcome gets its own entry). */
  answer(t: Tracked, o: StatementOutcome): boolean {
    const i = this.tracked.indexOf(t);
    if (this.#append === undefined || i < 0 || this.#outcomes[i] !== undefined) return false;
    this.#outcomes[i] = o;
    if (++this.#answered === this.tracked.length) this.start();
    return true;
  }

  /** Appends the entries now (with the outcomes taken so far): something waits on them, or the answer is long. */
  start(): void {
    const append = this.#append;
    this.#append = undefined;
    append?.(this.#answered > 0 ? this.#outcomes : undefined);
  }

  ok(access: number[]): void {
    this.tracked.forEach((t, i) => (t.access = access[i]!));
    this.state = 'ok';
    this.#settle();
  }

  fail(error: ErrorFields): void {
    this.error = error;
    this.state = 'failed';
    this.#settle();
  }
}

interface Out {
  buf: Buffer;
  /** Message type of a relayed frame; 0 for the proxy's own answers. */
  type: number;
  hold: Hold | undefined;
}

export class ClientOutput {
  #socket: CoalescedWriter;
  #q: Out[] = [];
  #head = 0;
  #bytes = 0;
  /** After a refused Execute: drop responses up to ReadyForQuery, as PostgreSQL skips to Sync. */
  #dropping = false;

  constructor(socket: Socket) {
    this.#socket = new CoalescedWriter(socket);
  }

  /** Writes what has been released so far (one socket write); call at the end of a burst. */
  commit(): void {
    this.#socket.flush();
  }

  /** Bytes held back. */
  get held(): number {
    return this.#bytes;
  }

  push(buf: Buffer, type = 0, hold?: Hold): void {
    if (this.#head === this.#q.length && !this.#dropping && (hold === undefined || hold.state === 'ok')) {
      this.#socket.write(buf);
      return;
    }
    this.#q.push({ buf, type, hold });
    this.#bytes += buf.length;
    if (hold?.state !== 'wait') this.flush(); // a refused hold's frames are dropped as they come
  }

  /** Sends (or drops) what no longer waits for a durable entry. */
  flush(): void {
    try {
      while (this.#head < this.#q.length) {
        const o = this.#q[this.#head]!;
        if (!this.#dropping && o.hold?.state === 'wait') break;
        this.#q[this.#head++] = undefined as never;
        this.#bytes -= o.buf.length;
        this.#emit(o);
      }
      if (this.#head === this.#q.length) (this.#q = []), (this.#head = 0);
    } finally {
      this.#socket.flush();
    }
  }

  #emit(o: Out): void {
    const s = this.#socket;
    if (this.#dropping) {
      if (o.type === Z) this.#dropping = false;
      if (o.type === Z || ASYNC.has(o.type)) s.write(o.buf);
      return;
    }
    const h = o.hold;
    if (h?.state !== 'failed') return void s.write(o.buf);
    if (!h.reported) {
      h.reported = true;
      s.write(errorResponse(h.error!));
    }
    if (o.type === Z || ASYNC.has(o.type)) s.write(o.buf);
    else if (h.extended) this.#dropping = true;
  }
}

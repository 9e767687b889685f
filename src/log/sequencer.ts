// Group commit: appends queue in memory and are written to storage in batches,
// one durable commit per batch, and each caller learns its index only after
// that commit. One commit is in flight at a time; everything appended while it
// runs forms the next batch (up to maxBatchEntries / maxBatchBytes). An idle
// log opens a batch for batchWindowMs (0 = until the next turn of the event
// loop: every append issued meanwhile rides along). The queue is bounded: past
// maxQueuedEntries / maxQueuedBytes, enqueue rejects with PUSHBACK and a
// retry delay estimated from the recent commit rate, so overload costs callers
// a retry instead of costing the process its memory.
// Deferred groups (entries nobody waits on, such as the proxy's outcome entries)
// start no commit of their own: they ride with the next urgent batch, or commit
// after deferMs. A commit of them alone would sit in front of the next urgent
// append and add a whole commit to its latency.

import { IlogError } from '../ledger/errors.js';

export interface SequencerOptions {
  /** Entries per commit at most (default 16,384). */
  maxBatchEntries?: number;
  /** Bytes per commit at most (default 8 MiB); a single larger group commits alone. */
  maxBatchBytes?: number;
  /** How long a batch stays open after its first append (ms, default 0). */
  batchWindowMs?: number;
  /** Entries waiting for a commit before PUSHBACK (default 262,144). */
  maxQueuedEntries?: number;
  /** Bytes waiting for a commit before PUSHBACK (default 64 MiB). */
  maxQueuedBytes?: number;
  /** A deferred group commits at most this long after it was queued, if no urgent append takes it along first (ms, default 50). */
  deferMs?: number;
  /** Told of every commit: its time from batch start (ms) and entry count, or the error it failed with (metrics). */
  onCommit?: (ms: number, entries: number, error?: unknown) => void;
}

/** Writes a batch durably and resolves with the index of its first entry (LogStorage.appendBatch). */
export type CommitFn = (entries: Uint8Array[]) => Promise<number> | number;

export interface SequencerStats {
  /** Durable commits made. */
  commits: number;
  /** Entries committed. */
  committed: number;
  queuedEntries: number;
  queuedBytes: number;
  /** Appends refused with PUSHBACK. */
  pushedBack: number;
  /** Sum over appended groups of the time from enqueue to their batch's start (ms). */
  queueWaitMs: number;
  /** Sum over commits of the time from batch start to durable commit (ms). */
  commitMs: number;
}

/** Entries appended together: committed in one batch, at consecutive indexes. */
interface Group {
  entries: Uint8Array[];
  bytes: number;
  queuedAt: number;
  urgent: boolean;
  resolve: (first: number) => void;
  reject: (err: unknown) => void;
}

export class Sequencer {
  readonly #commit: CommitFn;
  readonly #onCommitted: (first: number, entries: Uint8Array[]) => void;
  readonly #opts: Required<Omit<SequencerOptions, 'onCommit'>>;
  readonly #onCommit: SequencerOptions['onCommit'];
  readonly #queue: Group[] = [];
  #head = 0; // groups before #head are taken (array shifted lazily)
  #scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #closed = false;
  /** Urgent groups in the queue: only they (or an expired deferral) start a commit. */
  #urgentQueued = 0;
  #deferTimer: NodeJS.Timeout | undefined;
  #deferDue = false;
  #rate = 0; // entries per ms, smoothed over recent commits
  #lastCommit = 0;
  readonly #stats: SequencerStats = { commits: 0, committed: 0, queuedEntries: 0, queuedBytes: 0, pushedBack: 0, queueWaitMs: 0, commitMs: 0 };

  constructor(commit: CommitFn, opts: SequencerOptions = {}, onCommitted: (first: number, entries: Uint8Array[]) => void = () => {}) {
    this.#commit = commit;
    this.#onCommitted = onCommitted;
    this.#onCommit = opts.onCommit;
    this.#opts = Object.freeze({
      maxBatchEntries: opts.maxBatchEntries ?? 16_384,
      maxBatchBytes: opts.maxBatchBytes ?? 8 << 20,
      batchWindowMs: opts.batchWindowMs ?? 0,
      maxQueuedEntries: opts.maxQueuedEntries ?? 262_144,
      maxQueuedBytes: opts.maxQueuedBytes ?? 64 << 20,
      deferMs: opts.deferMs ?? 50,
    });
  }

  get stats(): SequencerStats {
    return { ...this.#stats };
  }

  /** Queue entries (already validated bytes); resolves with the first index once durable. `urgent: false` = deferred (see above). */
  enqueue(entries: Uint8Array[], urgent = true): Promise<number> {
    if (this.#closed) return Promise.reject(new IlogError('CLOSED', 'the log is closing; reopen it to append'));
    let bytes = 0;
    for (const e of entries) bytes += e.byteLength;
    const s = this.#stats;
    if (s.queuedEntries + entries.length > this.#opts.maxQueuedEntries || s.queuedBytes + bytes > this.#opts.maxQueuedBytes) {
      // An oversized group on an empty queue is still accepted: refusing it would refuse it forever.
      if (s.queuedEntries > 0) {
        s.pushedBack++;
        const retryAfterMs = this.#retryAfterMs();
        return Promise.reject(
          new IlogError('PUSHBACK', `the log is at its append capacity; retry after ${retryAfterMs} ms`, {
            retryAfterMs,
            queuedEntries: s.queuedEntries,
            queuedBytes: s.queuedBytes,
          }),
        );
      }
    }
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ entries, bytes, queuedAt: performance.now(), urgent, resolve, reject });
      s.queuedEntries += entries.length;
      s.queuedBytes += bytes;
      if (urgent) this.#urgentQueued++;
      this.#schedule();
    });
  }

  /** Commit everything queued, then refuse further appends. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#deferTimer);
    this.#deferDue = true;
    if (this.#scheduled !== undefined) {
      clearTimeout(this.#scheduled as NodeJS.Timeout);
      clearImmediate(this.#scheduled as NodeJS.Immediate);
      this.#scheduled = undefined;
    }
    await this.#inFlight;
    while (this.#head < this.#queue.length) await this.#flush();
  }

  #schedule(afterCommit = false): void {
    if (this.#scheduled !== undefined || this.#inFlight !== undefined) return;
    const full = this.#stats.queuedEntries >= this.#opts.maxBatchEntries || this.#stats.queuedBytes >= this.#opts.maxBatchBytes;
    if (!full && this.#urgentQueued === 0 && !this.#deferDue) {
      this.#deferTimer ??= setTimeout(() => {
        this.#deferTimer = undefined;
        this.#deferDue = true;
        this.#schedule();
      }, this.#opts.deferMs);
      return;
    }
    const run = (): void => {
      this.#scheduled = undefined;
      this.#inFlight = this.#flush().finally(() => {
        this.#inFlight = undefined;
        if (this.#head < this.#queue.length) this.#schedule(true);
      });
    };
    // Appends that queued during a commit have waited long enough; an idle log waits for the window.
    // setImmediate lets pending I/O (more appends) in before the batch closes.
    this.#scheduled = full || afterCommit || this.#opts.batchWindowMs <= 0 ? setImmediate(run) : setTimeout(run, this.#opts.batchWindowMs);
  }

  /** Take one batch off the queue and commit it. */
  async #flush(): Promise<void> {
    const batch: Group[] = [];
    let count = 0;
    let bytes = 0;
    while (this.#head < this.#queue.length) {
      const g = this.#queue[this.#head] as Group;
      if (batch.length > 0 && (count + g.entries.length > this.#opts.maxBatchEntries || bytes + g.bytes > this.#opts.maxBatchBytes)) break;
      batch.push(g);
      if (g.urgent) this.#urgentQueued--;
      count += g.entries.length;
      bytes += g.bytes;
      this.#head++;
    }
    if (this.#head === this.#queue.length && !this.#closed) {
      // Every deferred group rides in this batch.
      clearTimeout(this.#deferTimer);
      this.#deferTimer = undefined;
      this.#deferDue = false;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) this.#queue.splice(0, this.#head), (this.#head = 0);
    const s = this.#stats;
    s.queuedEntries -= count;
    s.queuedBytes -= bytes;
    const entries = batch.length === 1 ? (batch[0] as Group).entries : batch.flatMap((g) => g.entries);
    const started = performance.now();
    for (const g of batch) s.queueWaitMs += started - g.queuedAt;
    let first: number;
    try {
      first = await this.#commit(entries);
    } catch (err) {
      this.#onCommit?.(performance.now() - started, count, err);
      for (const g of batch) g.reject(err);
      return;
    }
    // Throughput over wall time (commits are not all the work the thread does), idle gaps capped.
    const now = performance.now();
    s.commitMs += now - started;
    this.#onCommit?.(now - started, count);
    const ms = Math.max(now - started, Math.min(now - this.#lastCommit, 1000), 0.01);
    this.#lastCommit = now;
    this.#rate = this.#rate === 0 ? count / ms : 0.8 * this.#rate + 0.2 * (count / ms);
    s.commits++;
    s.committed += count;
    let next = first;
    for (const g of batch) {
      g.resolve(next);
      next += g.entries.length;
    }
    this.#onCommitted(first, entries);
  }

  /** Time for the queue to drain at the recent commit rate (at least 1 ms, at most 10 s). */
  #retryAfterMs(): number {
    if (this.#rate <= 0) return 100;
    return Math.min(10_000, Math.max(1, Math.ceil(this.#stats.queuedEntries / this.#rate)));
  }
}

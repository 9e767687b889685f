// Outcome entries are appended after their statement ran and nobody waits on
// them, so a failed append (a full disk: STORAGE_FULL) used to drop them with
// one line on stderr: 8 outcomes of statements that ran vanished in one run of
// filling the disk under traffic (issue #12). Here a failed outcome is held and
// retried until the log accepts it again. The hold is bounded: past `maxHeld`
// the oldest are given up, but never silently — their number, sessions and
// access indexes go into one `outcome.lost` entry, appended once the log
// writes again. Held outcomes live in memory: a proxy that dies while the log
// cannot write loses them, and says so on stderr while it holds them.
import { isIlogError } from '../../ledger/errors.js';
import { entryTime } from '../../ledger/entries/common.js';
import { MAX_LOST_LISTED } from '../../ledger/entries/outcome.js';
import type { AccessLog } from './access-log.js';

/** The fields of an outcome entry the loss record needs. */
interface Outcome {
  access: number;
  session?: string | number;
}

export interface OutcomeWriterOptions {
  /** How often held outcomes are retried (ms, default 1000). */
  retryMs?: number;
  /** Outcomes held at most; older ones become an `outcome.lost` record (default 10,000). */
  maxHeld?: number;
  /** A line for the operator (the first failure of an episode, and the recovery). */
  report: (e: unknown) => void;
}

export class OutcomeWriter {
  readonly #log: AccessLog;
  readonly #o: Required<Omit<OutcomeWriterOptions, 'report'>> & Pick<OutcomeWriterOptions, 'report'>;
  #held: Outcome[] = [];
  #lost: { count: number; sessions: Set<string>; access: number[]; since: string } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(log: AccessLog, o: OutcomeWriterOptions) {
    this.#log = log;
    this.#o = { retryMs: 1000, maxHeld: 10_000, ...o };
  }

  /** Outcomes waiting for the log, and outcomes given up so far in this episode. */
  get backlog(): { held: number; lost: number } {
    return { held: this.#held.length, lost: this.#lost?.count ?? 0 };
  }

  record(entry: Outcome): void {
    // Deferred: an outcome committed alone would sit in front of the next statement's access entry.
    const append = this.#log.appendDeferred ? this.#log.appendDeferred(entry) : this.#log.append(entry);
    append.catch((e: unknown) => this.#hold([entry], e));
  }

  #hold(entries: Outcome[], e: unknown): void {
    if (!this.#failing) {
      this.#failing = true;
      const code = isIlogError(e) ? e.code : 'error';
      this.#o.report(new Error(`outcome entries cannot be appended (${code}: ${e instanceof Error ? e.message : String(e)}); holding them in memory and retrying every ${this.#o.retryMs} ms`));
    }
    this.#held.push(...entries);
    while (this.#held.length > this.#o.maxHeld) this.#give(this.#held.shift()!);
    this.#schedule();
  }

  #give(o: Outcome): void {
    const lost = (this.#lost ??= { count: 0, sessions: new Set(), access: [], since: entryTime() });
    lost.count++;
    if (o.session !== undefined && lost.sessions.size < MAX_LOST_LISTED) lost.sessions.add(String(o.session));
    if (lost.access.length < MAX_LOST_LISTED) lost.access.push(o.access);
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#o.retryMs);
    this.#timer.unref();
  }

  /** Retries everything held, then records what was given up. Resolves when this attempt ends. */
  async flush(): Promise<void> {
    const batch = this.#held.splice(0);
    const results = await Promise.allSettled(batch.map((x) => this.#log.append(x)));
    const failed = batch.filter((_, i) => results[i]!.status === 'rejected');
    if (failed.length > 0) return this.#hold(failed, (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason);
    const lost = this.#lost;
    if (lost) {
      try {
        await this.#log.append(lostEntry(lost));
        this.#lost = undefined;
      } catch (e) {
        return this.#hold([], e);
      }
    }
    if (this.#failing && this.#held.length === 0) {
      this.#failing = false;
      this.#o.report(new Error(`outcome entries are appended again: ${batch.length} held outcomes written${lost ? `, ${lost.count} recorded as lost (outcome.lost)` : ''}`));
    }
  }

  /** Stops retrying; one last attempt first. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#held.length > 0 || this.#lost) await this.flush().catch(() => {});
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { held, lost } = this.backlog;
    if (held + lost > 0) this.#o.report(new Error(`closing with ${held} outcome entries not appended and ${lost} given up: they are lost`));
  }
}

function lostEntry(l: { count: number; sessions: Set<string>; access: number[]; since: string }): object {
  return {
    v: 1,
    kind: 'outcome.lost',
    time: entryTime(),
    count: l.count,
    since: l.since,
    sessions: [...l.sessions],
    access: l.access,
    ...(l.count > l.access.length ? { truncated: true } : {}),
    reason: 'the log could not append these outcome entries for longer than the proxy could hold them',
  };
}

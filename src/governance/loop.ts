// The server's governance loop. The server holds no admin key: it cannot make
// a change, only notice what the log already says and write it down —
//   - a refused attempt (forged, replayed, expired, insufficient) becomes a
//     `governance.rejected` entry naming the entry and the reason;
//   - a proposal that ran out of time without its quorum is recorded likewise;
//   - a break-glass grant is announced to every admin (hook + `governance.notice`);
//   - an unratified grant whose TTL passed becomes `breakglass.expired`, which
//     locks its holder: the one entry with an effect the server writes on its
//     own, and its effect is only ever in the fail-safe direction.
// Every write is idempotent: the loop skips what the log already records and
// what it wrote itself but has not replayed yet.
import { buildExpired, buildNotice, buildRejected } from './build.js';
import type { Grant } from './policy.js';
import { writeSnapshot } from './snapshot.js';
import type { GovernanceView } from './view.js';

export interface BreakglassNotice {
  grant: Grant;
  /** Names of every admin, all of whom are to be told. */
  admins: string[];
  text: string;
}

export interface LoopOptions {
  view: GovernanceView;
  /** Appends entries durably (the server's Appender). */
  append: (entries: object[]) => Promise<unknown>;
  now?: () => number;
  /** The alert area's notifier plugs in here; failures are logged, never fatal. */
  notify?: (n: BreakglassNotice) => void | Promise<void>;
  /** A line on the server's log. */
  log?: (line: string) => void;
  /** When set, `<dir>/governance.json` is rewritten after every governance change. */
  dir?: string;
  /** When set, a step writes only while this process holds the lease (one loop per data directory, loop-lease.ts). */
  lease?: { tryHold(): boolean; release(): void };
}

export class GovernanceLoop {
  readonly #o: Required<Omit<LoopOptions, 'notify' | 'dir' | 'lease'>> & Pick<LoopOptions, 'notify' | 'dir' | 'lease'>;
  readonly #written = new Set<string>();
  #changed = true;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(o: LoopOptions) {
    this.#o = { now: Date.now, log: (l) => process.stderr.write(l + '\n'), ...o };
    o.view.onEvent(() => (this.#changed = true));
  }

  /**
   * One pass: replay what is new (unless `refresh` is false), then write down what the log
   * implies. Never runs twice at once.
   */
  step(refresh = true): Promise<void> {
    this.#running ??= this.#step(refresh).finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #step(refresh: boolean): Promise<void> {
    const { view, now, log, lease } = this.#o;
    // Another process owns the loop: it notices, notifies and writes; this one only follows.
    if (lease && !lease.tryHold()) return;
    if (refresh) view.refresh();
    const p = view.policy;
    if (!p.governed) return;
    const t = now();
    const out: object[] = [];
    const once = (key: string, entry: object) => {
      if (this.#written.has(key)) return;
      this.#written.add(key);
      out.push(entry);
    };
    for (const r of p.rejections.values()) {
      if (r.recordedAt !== undefined) continue;
      once(`rejected:${r.subject}`, buildRejected(r.subject, r.reason, r.detail, t));
      log(`ilog: governance: refused entry ${r.subject}: ${r.reason} ${r.detail}`);
    }
    for (const x of p.proposals.values()) {
      if (x.state === 'pending' && t > Date.parse(x.expires) && !p.rejections.has(x.index)) {
        once(`rejected:${x.index}`, buildRejected(x.index, 'EXPIRED', `expired at ${x.expires} with ${x.approvals.size} of ${p.quorum} approvals`, t));
      }
    }
    for (const g of p.grants.values()) {
      if (g.notified === undefined && !this.#written.has(`notice:${g.index}`)) await this.#announce(g, t, once);
      if (g.expired === undefined && !g.ratified && t >= Date.parse(g.until)) {
        once(`expired:${g.index}`, buildExpired(g.index, g.person, t));
        log(`ilog: governance: break-glass grant ${g.index} for ${g.person} was not ratified by ${g.until}; locking ${g.person}`);
      }
    }
    if (out.length > 0) {
      await this.#o.append(out);
      view.refresh();
    }
    if (this.#changed && this.#o.dir) {
      writeSnapshot(this.#o.dir, view.policy);
      this.#changed = false;
    }
  }

  async #announce(g: Grant, t: number, once: (key: string, e: object) => void): Promise<void> {
    const admins = this.#o.view.policy.admins.map((a) => a.name);
    const text = `break-glass access for ${g.person} until ${g.until} (entry ${g.index}): ${g.reason}. Ratify with the quorum (ilog breakglass ratify ${g.index}) or ${g.person} is locked at ${g.until}.`;
    this.#o.log(`ilog: governance: ${text}`);
    try {
      await this.#o.notify?.({ grant: g, admins, text });
    } catch (e) {
      this.#o.log(`ilog: governance: break-glass notifier failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    once(`notice:${g.index}`, buildNotice(g.index, admins, text, t));
  }

  /**
   * Runs step() every `intervalMs` until stop(); errors are logged and the loop keeps going.
   * A view that follows the log is current already (at once on PostgreSQL's notifications), so
   * these steps do not replay themselves: each cost a proxy a blocking read of the latest
   * checkpoint every 100 ms, which a lock's notification could meet (docs/storage.md).
   */
  start(intervalMs = 100): void {
    if (this.#timer) return;
    const tick = () => {
      this.step(!this.#o.view.following)
        .catch((e: unknown) => this.#o.log(`ilog: governance loop: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(tick, intervalMs);
        });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    this.#o.lease?.release();
  }
}

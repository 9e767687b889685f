// Detector → alerts (DESIGN.md "Flow"): follow the log in index order, let the
// detector judge each entry, raise an alert for each Finding. No cursor: the
// detector's baselines are derived from every entry, so the pipeline replays
// from entry 0 on start — or from `from`, the size of a signed snapshot the
// detector was restored from — and AlertService raises once per finding id, so
// the replay re-raises nothing. Alert entries themselves are fed to the detector
// too (it ignores kinds it does not know).
import type { Finding } from '../detect/finding.js';
import type { LogStorage } from '../storage/log-storage.js';
import { isIlogError } from '../ledger/errors.js';
import { Follower } from '../log/follower.js';

export interface FindingSource {
  observe(index: number, entry: unknown): Finding[];
  /** Findings that fall due with the passing of time alone (held look-ups). */
  advance?(now: number): Finding[];
}

export interface FindingSink {
  raise(f: Finding): Promise<unknown>;
}

export interface Pipeline {
  /** Index of the next entry the pipeline will read. */
  position(): number;
  /** Resolves once every entry below `index` has been judged and its findings raised. */
  reached(index: number): Promise<void>;
  /**
   * Whether every finding the detector has produced so far was raised (or kept as a finding):
   * only then may the detector's state be snapshotted. Not while findings that fell due on the
   * clock are still being raised, and never again once a raise was given up because the
   * pipeline stopped (the next start replays from the last snapshot and raises them then).
   */
  settled(): boolean;
  stop(): Promise<void>;
}

export function startPipeline(
  storage: LogStorage,
  detector: FindingSource,
  sink: FindingSink,
  opts: { from?: number; onPosition?: (next: number) => void; pollMs?: number; tickMs?: number; clock?: () => number; onError?: (e: unknown) => void; onFinding?: (f: Finding) => void; sign?: (index: number) => Promise<unknown> } = {},
): Pipeline {
  const follower = new Follower(storage, { from: opts.from ?? 0, pollMs: opts.pollMs ?? 20, ...(opts.sign ? { sign: opts.sign } : {}) });
  let next = opts.from ?? 0;
  let stopped = false;
  const waiters: { index: number; resolve: () => void }[] = [];
  /** A raise was given up (the pipeline stopped first): the detector's state is past a finding nobody raised. */
  let abandoned = false;
  // A failed raise (log pushback, storage error) must not lose the finding: retry it until it is
  // logged or the pipeline stops (then the next start replays this entry and raises it).
  const raise = async (f: Finding): Promise<void> => {
    // Below the detector's daily budget: a finding for reviewers to browse, nobody is paged.
    if (f.alert === false) return opts.onFinding?.(f);
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await sink.raise(f);
        return;
      } catch (e) {
        opts.onError?.(e);
        // A finding the log refuses as invalid will be refused again: report it, go on.
        if (isIlogError(e, 'INVALID_ENTRY') || isIlogError(e, 'ENTRY_TOO_LARGE')) return;
        await new Promise((r) => setTimeout(r, Math.min(5000, 50 * 2 ** attempt)));
      }
    }
    abandoned = true;
  };
  // Time passes even when nothing is logged: held look-ups fall due on the clock too.
  const clock = opts.clock ?? Date.now;
  let ticking: Promise<void> = Promise.resolve();
  /** Ticks whose findings are being raised: the detector's state is already past them. */
  let inTick = 0;
  const tick = detector.advance
    ? setInterval(() => {
        ticking = ticking.then(async () => {
          if (stopped) return;
          inTick++;
          try {
            for (const f of detector.advance!(clock())) await raise(f);
          } finally {
            inTick--;
          }
        });
      }, opts.tickMs ?? 1000)
    : undefined;
  tick?.unref();
  const done = (async () => {
    for await (const { index, entry } of follower) {
      for (const f of detector.observe(index, entry)) await raise(f);
      if (stopped) return;
      next = index + 1;
      // Every entry below `next` is judged and its findings raised: the detector may be snapshotted here.
      opts.onPosition?.(next);
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.index <= next) waiters.splice(i, 1)[0]!.resolve();
    }
  })();
  return {
    position: () => next,
    settled: () => inTick === 0 && !abandoned,
    reached: (index) => (index <= next ? Promise.resolve() : new Promise((resolve) => waiters.push({ index, resolve }))),
    async stop() {
      stopped = true;
      if (tick) clearInterval(tick);
      follower.close();
      await done.catch(() => {});
      await ticking.catch(() => {});
    },
  };
}

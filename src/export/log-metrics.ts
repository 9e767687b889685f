// Metrics of a process that appends to the log (`serve`, `proxy`): appends,
// commit latency, queue depth, pushback, checkpoint age; and counts of what the
// log records (alerts raised and delivered by channel, bypasses, locks), read from
// the log itself at scrape time so every process that writes them is counted once.
import type { AppenderStats } from '../log/appender.js';
import type { LogStorage } from '../storage/log-storage.js';
import { fileWritable, type ReadinessCheck } from './health.js';
import type { Metrics } from './metrics.js';

/** What the metrics read from an Appender. */
export interface AppendingLog {
  readonly storage: LogStorage;
  stats(): AppenderStats;
}

/** Entries read from the log per scrape at most; the rest waits for the next scrape. */
const MAX_ENTRIES_PER_SCRAPE = 100_000;

export class LogMetrics {
  readonly #m: Metrics;
  #log: AppendingLog | undefined;
  #lastCommitError: string | undefined;
  readonly #commit;

  constructor(m: Metrics) {
    this.#m = m;
    this.#commit = m.hotHistogram('ilog_log_commit_seconds', 'time from the start of a batch to its durable commit');
    this.onCommit = this.onCommit.bind(this);
  }

  /** Pass as the Appender's `onCommit` option. */
  onCommit(ms: number, _entries: number, error?: unknown): void {
    if (error !== undefined) {
      this.#lastCommitError = error instanceof Error ? error.message : String(error);
      return;
    }
    this.#lastCommitError = undefined;
    this.#commit.observe(ms / 1000);
  }

  /** Starts reading `log` (once it is open). */
  attach(log: AppendingLog, dir: string): void {
    if (this.#log) throw new Error('LogMetrics.attach: already attached');
    this.#log = log;
    const m = this.#m;
    const stats = (): AppenderStats => log.stats();
    m.counterFrom('ilog_log_appends_total', 'entries this process committed to the log', () => stats().committed);
    m.counterFrom('ilog_log_commits_total', 'durable commits (group commits) this process made', () => stats().commits);
    m.counterFrom('ilog_log_pushback_total', 'appends refused with PUSHBACK (queue full)', () => stats().pushedBack);
    m.gauge('ilog_log_queue_entries', 'entries waiting for a commit', () => stats().queuedEntries);
    m.gauge('ilog_log_queue_bytes', 'bytes waiting for a commit', () => stats().queuedBytes);
    m.gauge('ilog_log_size', 'entries in the log (sequenced, durable)', () => log.storage.size());
    m.gauge('ilog_log_checkpoint_size', 'tree size of the newest signed checkpoint', () => stats().checkpointSize);
    m.gauge('ilog_log_checkpoint_age_seconds', 'how long the oldest entry not yet covered by a signed checkpoint has waited (0 when every entry is covered)', () => uncheckpointedAge(log));
    this.#entryCounts(log.storage);
    this.#file = fileWritable('log-writable', `${dir}/log.db`);
  }

  #file: ReadinessCheck | undefined;

  /** Why the log is not writable now, or undefined when it is (for /readyz). */
  notWritable(): string | undefined {
    if (this.#lastCommitError !== undefined) return `the last commit failed: ${this.#lastCommitError}`;
    return this.#file?.check() as string | undefined;
  }

  #entryCounts(storage: LogStorage): void {
    const m = this.#m;
    const raised = m.counter('ilog_alerts_raised_total', 'alert.raised entries appended to the log since this process started', ['severity']);
    const delivery = m.counter('ilog_alert_deliveries_total', 'alert.delivery entries since this process started, by channel and status (delivered, failed, …)', ['channel', 'status']);
    const bypass = m.counter('ilog_bypasses_total', 'bypass.detected entries (access that did not pass the proxy) since this process started', ['reason']);
    const locks = m.counter('ilog_locks_total', 'lock.set and lockdown.set entries since this process started', ['kind']);
    let next = storage.size();
    // Read when scraped: the counters above are set from the entries appended since the last scrape.
    m.gauge('ilog_log_entries_counted', 'index up to which the log was read for the entry counters', () => {
      const size = Math.min(storage.size(), next + MAX_ENTRIES_PER_SCRAPE);
      if (size > next) {
        for (const bytes of storage.readEntries(next, size)) {
          const e = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
          const kind = e.kind as string;
          if (kind === 'alert.raised') raised.inc({ severity: String(e.severity ?? 'unknown') });
          else if (kind === 'alert.delivery') delivery.inc({ channel: String(e.channel ?? 'unknown'), status: String(e.status ?? 'unknown') });
          else if (kind === 'bypass.detected') bypass.inc({ reason: String(e.reason ?? 'unknown') });
          else if (kind === 'lock.set' || kind === 'lockdown.set') locks.inc({ kind });
        }
        next = size;
      }
      return next;
    });
  }
}

function uncheckpointedAge(log: AppendingLog): number {
  const covered = log.stats().checkpointSize;
  if (covered >= log.storage.size()) return 0;
  const [first] = log.storage.readEntries(covered, covered + 1);
  if (!first) return 0;
  const time = Date.parse((JSON.parse(Buffer.from(first).toString('utf8')) as { time?: string }).time ?? '');
  return Number.isFinite(time) ? Math.max(0, (Date.now() - time) / 1000) : 0;
}

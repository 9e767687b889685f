// The capture proxy's metrics: sessions, statements by outcome and SQLSTATE,
// refusals (IL001–IL005 and others), the latency the proxy adds (waiting for the
// access entry to be durable), and how long a lock took to end live sessions.
// Per statement only HotCounter / HotHistogram slots change (no allocation).
import type { LockInfo } from '../capture/locks.js';
import type { ProxyMetrics } from '../capture/pg/proxy-metrics.js';
import type { Metrics } from './metrics.js';

/** SQLSTATE label for statements that finished without one (success). */
const NONE = '00000';

export class ProxyMetricsRecorder implements ProxyMetrics {
  readonly #ok;
  readonly #failed;
  readonly #refused;
  readonly #wait;
  readonly #lockToEnd;

  constructor(m: Metrics, o: { sessions: () => number }) {
    m.gauge('ilog_proxy_sessions', 'live client sessions', o.sessions);
    this.#ok = m.hotCounter('ilog_proxy_statements_ok_total', 'statements that completed upstream, by SQLSTATE (00000)', 'sqlstate', [NONE]);
    this.#failed = m.hotCounter('ilog_proxy_statements_failed_total', 'statements that failed upstream or were refused after their access entry was durable, by SQLSTATE', 'sqlstate');
    this.#refused = m.hotCounter('ilog_proxy_refusals_total', 'statements and logins the proxy refused itself, by SQLSTATE (IL001 no purpose, IL002 log unavailable, IL003 locked, IL004 purpose rejected, IL005 purpose too long)', 'sqlstate', ['IL001', 'IL002', 'IL003', 'IL004', 'IL005']);
    this.#wait = m.hotHistogram('ilog_proxy_added_latency_seconds', 'time a statement waited for its access entry to be durable before it was released (the latency the proxy adds)');
    this.#lockToEnd = m.histogram('ilog_proxy_lock_to_session_end_seconds', 'time from a lock entry being written to the live sessions it ends being closed', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]);
  }

  statement(status: 'ok' | 'error', sqlstate: string | undefined): void {
    if (status === 'ok') this.#ok.inc(sqlstate ?? NONE);
    else this.#failed.inc(sqlstate ?? 'unknown');
  }

  refused(sqlstate: string): void {
    this.#refused.inc(sqlstate);
  }

  logWait(ms: number): void {
    this.#wait.observe(ms / 1000);
  }

  /** The lock's own time comes with it (the signed entry's, from the governance replay): no read of the log on a proxy's event loop. */
  sessionsEnded(info: LockInfo, sessions: number): void {
    if (sessions === 0 || info.time === undefined) return;
    const time = Date.parse(info.time);
    if (Number.isFinite(time)) this.#lockToEnd.observe(Math.max(0, Date.now() - time) / 1000);
  }
}

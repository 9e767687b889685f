// What the proxy reports to its metrics (src/export/proxy-metrics.ts implements it).
// Called on the hot path: implementations MUST NOT allocate per call or do I/O
// there, and MUST NOT throw.
import type { LockInfo } from '../locks.js';

export interface ProxyMetrics {
  /** A statement's outcome entry: it ran upstream (or was refused after its access entry was durable). */
  statement(status: 'ok' | 'error', sqlstate: string | undefined): void;
  /** The proxy refused a statement or a login itself, with this SQLSTATE (IL001–IL005, …). */
  refused(sqlstate: string): void;
  /** How long a statement waited for its access entries to be durable (ms): the latency the proxy adds. */
  logWait(ms: number): void;
  /** A lock or lockdown ended `sessions` live sessions just now. */
  sessionsEnded(info: LockInfo, sessions: number): void;
}

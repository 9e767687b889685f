// Metrics of the followers and helpers a process runs beside the log: the
// detector, the witness publisher (cosigning), witnesses and mirrors. Each takes
// plain accessors, so this module depends on no other area.
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { Metrics } from './metrics.js';

/** Detector lag (entries the detector has not yet seen) and entries it has scored since the process started. */
export function detectorMetrics(m: Metrics, d: { position: () => number; logSize: () => number }): void {
  const start = d.position();
  m.gauge('ilog_detector_lag_entries', 'log entries the detector has not observed yet', () => Math.max(0, d.logSize() - d.position()));
  m.counterFrom('ilog_detector_entries_total', 'log entries the detector observed and scored since this process started', () => d.position() - start);
}

/** The pgAudit reconciler: how far its cursor is behind the audited server's log, and records it read since the process started. */
export function reconcilerMetrics(m: Metrics, r: { server: string; lagBytes: () => number; records: number }): void {
  new Gauge({
    name: 'ilog_reconciler_lag_bytes',
    help: "bytes of the audited server's log (csvlog) past the reconciler's cursor, not yet read and matched; absent while the log directory cannot be read",
    labelNames: ['server'],
    registers: [m.registry],
    collect() {
      this.reset(); // no sample rather than 0 when the directory cannot be read: that is not a reconciler that caught up
      try {
        this.set({ server: r.server }, r.lagBytes());
      } catch {
        // reported by the reconciler itself when it next reads
      }
    },
  });
  m.counterFrom('ilog_reconciler_records_total', "records of the audited server's log the reconciler read since this process started", () => r.records);
}

/** Cosigning requests to witnesses: pass the returned function as the publisher's `onCosign`. */
export function cosignMetrics(m: Metrics): (witness: string, ms: number, ok: boolean) => void {
  const latency = m.histogram('ilog_witness_cosign_seconds', 'time to obtain a cosignature from a witness (add-checkpoint round trip)', ['witness']);
  const failures = m.counter('ilog_witness_cosign_failures_total', 'add-checkpoint requests that did not return a cosignature', ['witness']);
  return (witness, ms, ok) => {
    if (ok) latency.observe({ witness }, ms / 1000);
    else failures.inc({ witness });
  };
}

/** A mirror: its size, how far behind the source it is, and how long ago it last caught up. */
export function mirrorMetrics(m: Metrics, size: () => number): { synced(sourceSize: number): void; failed(): void } {
  let sourceSize = 0;
  let caughtUp = Date.now();
  m.gauge('ilog_mirror_size', 'entries in the mirror copy', size);
  m.gauge('ilog_mirror_lag_entries', 'entries the source log has (at its last checkpoint seen) that the mirror has not copied', () => Math.max(0, sourceSize - size()));
  m.gauge('ilog_mirror_lag_seconds', 'seconds since the mirror last held everything the source had published', () => (size() >= sourceSize ? 0 : (Date.now() - caughtUp) / 1000));
  const failures = m.counter('ilog_mirror_sync_failures_total', 'sync rounds that failed');
  return {
    synced(s) {
      sourceSize = Math.max(sourceSize, s);
      if (size() >= sourceSize) caughtUp = Date.now();
    },
    failed: () => failures.inc(),
  };
}

/** HTTP requests served by `app`, by route and status (a witness's add-checkpoint latency and failures among them). */
export function instrumentHttp(app: FastifyInstance, m: Metrics): void {
  const h = m.histogram('ilog_http_request_seconds', 'HTTP requests served, by route and status code', ['route', 'status']);
  app.addHook('onResponse', async (req, reply) => {
    h.observe({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

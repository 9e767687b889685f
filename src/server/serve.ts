// Running the log service for a data directory: Appender + HTTP server, and an
// orderly shutdown on SIGINT/SIGTERM (stop accepting, finish in-flight requests,
// commit and sign what is queued, close storage). Shared by `serve` and `demo`
// Alerting joins when the data directory asks for it (docs/alert.md "Running
// it"): `alerts.json` starts the detector, the alert service and the alerts
// API; `apps.json` alone adds just the application capture API (POST /v1/access).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Alerting } from './alerting.js';
import type { Channel } from '../alert/channels/index.js';
import { Appender, type AppenderOptions } from '../log/appender.js';
import { readLogSigner, readLogToken } from '../log/appender-files.js';
import { createLogServer, listen, parseListen } from '../http/log-server.js';
import { codeHash, logNodeStarted } from '../log/node-started.js';
import { isLoopback, readAuth } from '../http/log-read-auth.js';
import { portError } from './demo/ports.js';
import { guardDataDir } from './private-data.js';
import { startWitnessPublishing, type WitnessPublishing } from '../witness/log-publishing.js';
import type { RunningGovernance } from '../governance/service.js';
import type { Notifier } from '../alert/notifier.js';
import type { ReviewerKeys } from '../alert/review.js';
import type { Logger } from 'pino';
import { Metrics } from '../export/metrics.js';
import { LogMetrics } from '../export/log-metrics.js';
import { cosignMetrics, detectorMetrics, reconcilerMetrics } from '../export/component-metrics.js';
import { registerOpsRoutes, startOpsServer, type OpsEndpoints, type ReadinessCheck } from '../export/health.js';

export interface RunningLog {
  url: string;
  appender: Appender;
  app: FastifyInstance;
  /** What the server added beyond the log API, for the start-up message. */
  features: { alerting: boolean; appApi: boolean; readTokens: boolean };
  /** Where /metrics, /healthz and /readyz are served (the main URL unless --metrics-listen moved them). */
  metricsUrl: string;
  /** Idempotent. */
  stop(): Promise<void>;
}

export interface LogServiceOptions {
  /** The flag named when the address is taken (default --listen). */
  listenFlag?: string;
  /** Alert delivery channels (default: what alerts.json calls for). */
  alertChannels?: (defaults: Channel[]) => Channel[];
  /** Require a read token for the read API (default: when listening beyond loopback). */
  readTokens?: boolean;
  /** host:port for /metrics, /healthz and /readyz on a separate server (default: on the main server). */
  metricsListen?: string;
  /** Structured logs (src/export/logger.ts): HTTP requests and the components' lines; default: plain lines on stderr, no request log. */
  logger?: Logger;
}

// Kept in step with ALERT_FILES (src/server/alerting.ts); repeated so a plain
// `ilog serve` does not load the alert area unless the directory uses it.
const ROUTING_FILE = 'alerts.json';
const APPS_FILE = 'apps.json';

/** Starts alerting or the bare app API according to the files in `dir`. */
async function alertingFor(dir: string, appender: Appender, o: LogServiceOptions, keys: ReviewerKeys): Promise<{ alerting?: Alerting; appApi: boolean }> {
  if (existsSync(join(dir, ROUTING_FILE))) {
    const { startAlerting } = await import('./alerting.js');
    let channels: Channel[] | undefined;
    if (o.alertChannels) {
      const { channelsFor } = await import('../alert/deliverer.js');
      const { loadRoutingConfig } = await import('../alert/routing-config.js');
      channels = o.alertChannels(channelsFor(loadRoutingConfig(join(dir, ROUTING_FILE)), Date.now));
    }
    return { alerting: startAlerting({ dir, writer: appender, storage: appender.storage, keys, ...(channels ? { channels } : {}) }), appApi: true };
  }
  return { appApi: existsSync(join(dir, APPS_FILE)) };
}

export async function startLogService(dir: string, listenAddr: string, o: LogServiceOptions = {}): Promise<RunningLog> {
  const { host, port } = parseListen(listenAddr);
  guardDataDir(dir, [ROUTING_FILE, APPS_FILE, 'reviewers.json'].map((f) => join(dir, f)));
  const token = readLogToken(dir);
  const readTokens = o.readTokens ?? !isLoopback(host);
  // A standby loads its modules and connects to the store before it waits for the lease, so that
  // taking over costs no start-up (6–12 s under load, against a 5 s target for failover).
  await preload(dir);
  const opened = await openStore();
  const lease = await sequencerLease();
  const metrics = new Metrics('serve');
  const logMetrics = new LogMetrics(metrics);
  let appender: Appender;
  try {
    appender = await Appender.open(dir, { onCommit: logMetrics.onCommit, ...opened?.appender });
  } catch (e) {
    await opened?.close();
    await lease?.release();
    throw e;
  }
  logMetrics.attach(appender, dir);
  const checks: ReadinessCheck[] = [{ name: 'log-writable', check: () => logMetrics.notWritable() }];
  const ops: OpsEndpoints = { metrics, checks };
  let opsServer: { url: string; app: FastifyInstance } | undefined;
  let alerting: Alerting | undefined;
  let app: FastifyInstance;
  let appApi = false;
  // Witness area: with <dir>/witness-policy, only checkpoints cosigned per the policy are published (docs/witness.md).
  let witnessing: WitnessPublishing | undefined;
  // Governance (docs/governance.md): on a governed log the server runs the loop that
  // records refused actions and expires unratified break-glass grants; it refuses to
  // start on stores edited behind the log's back (STORE_DIVERGES).
  let governance: RunningGovernance | undefined;
  // pgAudit reconciler (docs/reconcile.md), when <dir>/reconcile.json names the audited server.
  let reconciler: { stop(): Promise<void> } | undefined;
  // Stops what has started, in reverse order of start; the appender last but the lease.
  const stopParts = async (): Promise<void> => {
    await reconciler?.stop();
    await governance?.stop();
    await witnessing?.stop();
    await alerting?.stop();
    await appender.close();
    await opened?.close();
    await lease?.release();
  };
  try {
    // Reviewers' keys come from the governance replay, which starts below: read it on every use.
    const { policyReviewerKeys } = await import('./reviewer-keys.js');
    const extra = await alertingFor(dir, appender, o, policyReviewerKeys(() => governance?.view.policy));
    alerting = extra.alerting;
    appApi = extra.appApi;
    const notifier: Notifier | undefined = alerting?.service;
    witnessing = startWitnessPublishing(dir, appender.storage, {
      log: (line) => (o.logger ? o.logger.info({ component: 'witness-publisher' }, line) : process.stderr.write(`ilog: ${line}\n`)),
      onCosign: cosignMetrics(metrics),
      ...(notifier ? { onPolicyUnmet: (u) => void notifyPolicyUnmet(notifier, appender.origin, u) } : {}),
    });
    governance = await governanceFor(dir, appender, notifier);
    if (witnessing) {
      const w = witnessing;
      checks.push({ name: 'witness-policy', check: () => (w.publisher.status().policyMet ? undefined : `the witness policy is not met: ${(w.publisher.status().unmet?.missing ?? []).map((m) => m.name).join(', ') || 'no cosignature yet'}`) });
    }
    if (alerting) {
      const p = alerting.pipeline;
      detectorMetrics(metrics, { position: () => p.position(), logSize: () => appender.storage.size() });
    }
    // On the record before serving: what code, which version, which configuration (no secrets).
    await logNodeStarted(appender, 'serve', {
      listen: `${host}:${port}`,
      alerting: alerting !== undefined,
      appApi,
      witnessPolicy: witnessing !== undefined,
      governed: governance !== undefined,
      readTokens,
    });
    const { startConfiguredReconciler } = await import('../capture/pgaudit/start-reconciler.js');
    const configured = await startConfiguredReconciler(dir, appender, (e) =>
      o.logger ? o.logger.error({ component: 'reconciler', err: e }, e instanceof Error ? e.message : String(e)) : process.stderr.write(`ilog reconcile: ${e instanceof Error ? e.message : String(e)}\n`),
    );
    if (configured) reconcilerMetrics(metrics, configured);
    reconciler = configured;
    app = await createLogServer({
      storage: appender.storage,
      writer: appender,
      token,
      ...(o.logger ? { logger: o.logger } : {}),
      ...(readTokens ? { readAuthorize: readAuth(dir) } : {}),
      ...(witnessing ? { published: witnessing.published, health: witnessing.health } : {}),
      extend: async (a) => {
        if (!o.metricsListen) registerOpsRoutes(a, readTokens ? { ...ops, authorizeMetrics: readAuth(dir) } : ops);
        if (alerting) await alerting.register(a, witnessing?.published, witnessing && (() => witnessing!.publisher.status()));
        else if (appApi) await registerAppApi(a, dir, appender);
      },
    });
  } catch (e) {
    await stopParts();
    throw e;
  }
  let url: string;
  try {
    url = await listen(app, host, port);
    if (o.metricsListen) {
      const m = parseListen(o.metricsListen);
      opsServer = await startOpsServer(m.host, m.port, ops).catch((e: unknown) => {
        throw portError(e, m, '--metrics-listen');
      });
    }
  } catch (e) {
    await app.close();
    await stopParts();
    throw portError(e, { host, port }, o.listenFlag ?? '--listen');
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await opsServer?.app.close();
      await app.close();
      await stopParts();
    })());
  // Fail closed: a node that lost the lease may already have a successor; it stops serving now.
  void lease?.lost.then((e) => {
    process.stderr.write(`ilog: ${e.message}\n`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 10_000); // even if stopping hangs on a store that no longer answers
    void stop().finally(() => process.exit(1));
  });
  return { url, appender, app, features: { alerting: alerting !== undefined, appApi, readTokens }, metricsUrl: opsServer?.url ?? url, stop };
}

/**
 * The modules startLogService imports on demand, loaded now (the alert area only when the directory uses it),
 * and the first-use costs of what runs after the lease, paid now: the HTTP server's schema compiler
 * (0.7 s of a failover under load), the code hash of the start record (0.2 s), the log key.
 */
async function preload(dir: string): Promise<void> {
  const alerts = existsSync(join(dir, ROUTING_FILE));
  codeHash();
  readLogSigner(dir); // the first private key loaded costs 0.3 s under load
  await (await import('fastify')).default().close();
  await Promise.all([
    import('./reviewer-keys.js'),
    import('../governance/genesis.js'),
    import('../governance/service.js'),
    import('./breakglass-notifier.js'),
    import('../capture/pgaudit/start-reconciler.js'),
    ...(alerts ? [import('./alerting.js'), import('../alert/deliverer.js'), import('../alert/routing-config.js')] : []),
    ...(!alerts && existsSync(join(dir, APPS_FILE)) ? [import('../http/app-access.js'), import('./alerting.js')] : []),
  ]);
}

/** On a PostgreSQL store, its reader (the synchronous bridge) and writer, opened for Appender.open. */
async function openStore(): Promise<{ appender: Pick<AppenderOptions, 'storage' | 'writer'>; close(): Promise<void> } | undefined> {
  const { storeUrl } = await import('../storage/open-storage.js');
  const url = storeUrl();
  if (url === undefined) return undefined;
  const { PostgresLogStorage } = await import('../storage/postgres/postgres-sync.js');
  const { PostgresLogStore } = await import('../storage/postgres/postgres-store.js');
  const { logWriter } = await import('../log/appender-writer.js');
  const storage = PostgresLogStorage.open(url);
  try {
    // The writer's store is closed by the appender (logWriter); the reader is ours to close.
    return { appender: { storage, writer: logWriter(await PostgresLogStore.open(url)) }, close: async () => storage.close() };
  } catch (e) {
    storage.close();
    throw e;
  }
}

/** On a PostgreSQL store, wait for the sequencer lease (docs/storage.md); SQLite needs none. */
async function sequencerLease(): Promise<{ lost: Promise<Error>; release(): Promise<void> } | undefined> {
  const { storeUrl } = await import('../storage/open-storage.js');
  const url = storeUrl();
  if (url === undefined) return undefined;
  const { SequencerLease } = await import('../storage/postgres/sequencer-lease.js');
  return SequencerLease.acquire(url, { onStandby: () => process.stderr.write('ilog: standing by: another ilog serve holds the sequencer lease on this store; taking over when it stops\n') });
}

async function governanceFor(dir: string, appender: Appender, notifier: Notifier | undefined): Promise<RunningGovernance | undefined> {
  const { isGoverned } = await import('../governance/genesis.js');
  if (!isGoverned(dir, appender.storage)) return undefined;
  const { startGovernance } = await import('../governance/service.js');
  const { breakglassNotifier } = await import('./breakglass-notifier.js');
  return startGovernance(dir, {
    storage: appender.storage, // not a second connection (on PostgreSQL a worker thread and a session: 1 s of a failover)
    append: (es) => appender.appendMany(es),
    ...(notifier ? { notify: breakglassNotifier(notifier, appender.origin) } : {}),
  });
}

/** The witness policy cannot be met: reviewers hear of it (one alert per unpublished size). */
async function notifyPolicyUnmet(notifier: Notifier, origin: string, u: { size: number; publishedSize: number; missing: { name: string; error?: string }[] }): Promise<void> {
  await notifier
    .notify({
      id: `witness-policy:${origin}:${u.publishedSize}`,
      kind: 'witness.policy',
      subject: 'ilog',
      severity: 'high',
      reasons: [
        `checkpoints past size ${u.publishedSize} cannot be published: the witness policy is not met`,
        `witnesses not cosigning: ${u.missing.map((m) => (m.error ? `${m.name} (${m.error})` : m.name)).join(', ')}`,
      ],
      entries: [],
    })
    .catch((e: unknown) => process.stderr.write(`ilog: could not raise the witness-policy alert: ${String(e)}\n`));
}

async function registerAppApi(app: FastifyInstance, dir: string, appender: Appender): Promise<void> {
  const { appAccessRoutes } = await import('../http/app-access.js');
  const { appTokens } = await import('./alerting.js');
  await app.register(appAccessRoutes, { writer: appender, tokens: appTokens(dir) });
}

/** Stops `running` on the first SIGINT or SIGTERM, then lets the process exit. */
export function stopOnSignals(stop: () => Promise<void>, onStopped?: () => void): void {
  const handler = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    stop().then(
      () => onStopped?.(),
      (err: unknown) => {
        process.stderr.write(`ilog: error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

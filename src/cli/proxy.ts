// `ilog proxy --upstream <postgres URL> --listen <host:port>`: the PostgreSQL
// capture proxy (docs/proxy.md). Persons log in with their own password; the
// proxy logs every statement durably before forwarding it as the mapped role.
// The proxy's modules load inside the action: they compile the libpg-query WASM
// parser eagerly (wasm-flags.ts), which no other command should pay for.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Command } from 'commander';
import type { UpstreamCredentials } from '../capture/pg/upstream.js';
import { IlogError } from '../ledger/errors.js';
import { action, parseCount, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface ProxyCliOptions extends GlobalOptions {
  upstream?: string;
  listen: string;
  purposePattern?: string;
  logTimeout: number;
  overlap: boolean;
  writer: string;
  tlsCert?: string;
  tlsKey?: string;
  config?: string;
  reconcile?: string;
  metricsListen?: string;
  /** false with --no-metrics. */
  metrics: boolean;
  logFormat: string;
  logLevel: string;
}

function parseListen(s: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(s);
  if (!m) throw usageError('--listen must be host:port, e.g. 127.0.0.1:6432');
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('proxy')
      .description('run the PostgreSQL capture proxy: log every statement (who, what, why) before it runs')
      .option('--upstream <url>', 'upstream PostgreSQL, postgres://role:password@host:port/db')
      .option('--listen <host:port>', 'where clients connect', '127.0.0.1:6432')
      .option('--purpose-pattern <regex>', 'a stated purpose must match this (e.g. "^[A-Z]+-[0-9]+")')
      .option('--log-timeout <ms>', 'refuse a statement when its entry is not durable within this time', parseCount, 2000)
      .option('--no-overlap', 'hold even proven read-only statements until their entry is durable (strictly log-first; slower)')
      .option('--writer <auto|thread|inline>', 'where log commits run: inline on the main thread while commits take under 1 ms, else on a writer thread (auto, default); always on the writer thread; always inline (the event loop waits for each fsync)', 'auto')
      .option('--tls-cert <file>', 'PEM certificate for TLS toward clients')
      .option('--tls-key <file>', 'PEM private key for TLS toward clients')
      .option('--metrics-listen <host:port>', 'serve /metrics, /healthz and /readyz over HTTP on this address')
      .option('--no-metrics', 'keep no metrics at all (nothing counted per statement or commit; measures what metrics cost: docs/export.md)')
      .option('--log-format <format>', 'log lines on stderr: json (one JSON object per line) or pretty', 'json')
      .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
      .option('--reconcile <url>', 'also run the pgAudit reconciler, connecting as this monitoring role (postgres://…; docs/reconcile.md)')
      .option('--config <file>', 'YAML or JSON config file (docs/operations.md#one-config-file): the proxy section (upstream, upstreamPassword, roles, listen, …), log, metrics; flags override it, ILOG_* variables override the file'),
  ).action(
    action<ProxyCliOptions, []>(async (opts) => {
      const { loadConfig, resolveSecret } = await import('./config-file.js');
      const file = loadConfig(opts.config);
      const pc = file.proxy ?? {};
      // Passwords from files or the environment ({file}/{env}), resolved once here.
      const cfg = { ...pc, roles: Object.fromEntries(Object.entries(pc.roles ?? {}).map(([role, s]) => [role, resolveSecret(s, `proxy.roles.${role}`)])) };
      const upstreamUrl = opts.upstream ?? cfg.upstream ?? process.env.ILOG_UPSTREAM;
      if (!upstreamUrl) throw usageError('--upstream is required (postgres://role:password@host:port/db)');
      const { parseUpstreamUrl } = await import('../capture/pg/upstream.js');
      const up = parseUpstreamUrl(upstreamUrl);
      if (!up.credentials.password && pc.upstreamPassword) up.credentials.password = resolveSecret(pc.upstreamPassword, 'proxy.upstreamPassword');
      if (opts.metricsListen === undefined && file.metrics?.listen) opts.metricsListen = file.metrics.listen;
      if (opts.overlap && pc.overlap === false) opts.overlap = false;
      const { loggerFromFlags } = await import('./log-flags.js');
      const logFlags = { logFormat: opts.logFormat !== 'json' ? opts.logFormat : (file.log?.format ?? 'json'), logLevel: opts.logLevel !== 'info' ? opts.logLevel : (file.log?.level ?? 'info') };
      const logger = await loggerFromFlags('proxy', logFlags, opts.dir, [up.credentials.password ?? '', ...Object.values(cfg.roles)].filter((p) => p !== ''));
      if (opts.upstream && up.credentials.password) {
        logger.warn({ component: 'config', field: 'upstream' }, 'the --upstream URL carries a password, which every local user can read in /proc/<pid>/cmdline; give it in the config file (roles) or ILOG_UPSTREAM instead');
      }
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw usageError('--tls-cert and --tls-key go together');
      const tls = opts.tlsCert && opts.tlsKey ? createSecureContext({ cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) }) : undefined;
      const listen = parseListen(opts.listen === '127.0.0.1:6432' && cfg.listen ? cfg.listen : opts.listen);
      const credentials = (role: string): UpstreamCredentials | undefined =>
        cfg.roles?.[role] !== undefined ? { user: role, password: cfg.roles[role]! } : role === up.credentials.user ? up.credentials : undefined;

      const { guardDataDir } = await import('../server/private-data.js');
      guardDataDir(opts.dir, opts.config ? [opts.config] : []);
      const { Appender } = await import('../log/appender.js');
      const { startProxy } = await import('../server/proxy.js');
      if (opts.writer !== 'auto' && opts.writer !== 'thread' && opts.writer !== 'inline') throw usageError('--writer must be auto, thread or inline');
      const { Metrics } = await import('../export/metrics.js');
      const { LogMetrics } = await import('../export/log-metrics.js');
      const { ProxyMetricsRecorder } = await import('../export/proxy-metrics.js');
      const { startOpsServer, tcpReachable } = await import('../export/health.js');
      if (!opts.metrics && opts.metricsListen) throw usageError('--no-metrics and --metrics-listen exclude each other');
      const metrics = new Metrics('proxy');
      const logMetrics = new LogMetrics(metrics);
      const appender = await Appender.open(opts.dir, { writerThread: opts.writer === 'auto' ? 'auto' : opts.writer === 'thread', ...(opts.metrics ? { onCommit: logMetrics.onCommit } : {}) });
      if (opts.metrics) logMetrics.attach(appender, opts.dir);
      let sessions = (): number => 0;
      const proxyMetrics = opts.metrics ? new ProxyMetricsRecorder(metrics, { sessions: () => sessions() }) : undefined;
      const report = (e: unknown): void => logger.error({ component: 'proxy', ...(e instanceof Error && 'code' in e ? { code: (e as { code: unknown }).code } : {}) }, e instanceof Error ? e.message : String(e));
      // On a governed log this process may own the governance loop: one owner per directory (loop-lease.ts).
      const { proxy, close } = await startProxy({
        dir: opts.dir,
        appender,
        governanceLoop: true,
        report,
        upstream: up.target,
        credentials,
        defaultDatabase: up.database,
        purposePattern: opts.purposePattern ?? cfg.purposePattern,
        logTimeoutMs: opts.logTimeout !== 2000 ? opts.logTimeout : (cfg.logTimeoutMs ?? 2000),
        overlapReads: opts.overlap,
        ...(proxyMetrics ? { metrics: proxyMetrics } : {}),
        ...(tls ? { tls } : {}),
      }).catch(async (e: unknown) => {
        await appender.close();
        throw e;
      });
      const { logNodeStarted } = await import('../log/node-started.js');
      // Passwords (--config roles, the upstream URL's) stay out: only names and addresses.
      await logNodeStarted(appender, 'proxy', {
        listen: `${listen.host}:${listen.port}`,
        upstream: `${up.target.host}:${up.target.port}`,
        database: up.database ?? null,
        roles: Object.keys(cfg.roles ?? {}).sort(),
        purposePattern: opts.purposePattern ?? cfg.purposePattern ?? null,
        logTimeoutMs: opts.logTimeout !== 2000 ? opts.logTimeout : (cfg.logTimeoutMs ?? 2000),
        tls: tls !== undefined,
        reconcile: opts.reconcile !== undefined,
      }).catch(async (e: unknown) => {
        await close();
        await appender.close();
        throw e;
      });
      let reconciler: { stop(): Promise<void> } | undefined;
      if (opts.reconcile) {
        const { startReconciler } = await import('../capture/pgaudit/start-reconciler.js');
        const started = await startReconciler({ dir: opts.dir, appender, monitorUrl: opts.reconcile, report }).catch(async (e: unknown) => {
          await close();
          await appender.close();
          throw e;
        });
        if (opts.metrics) (await import('../export/component-metrics.js')).reconcilerMetrics(metrics, started);
        reconciler = started;
      }
      // Signals are handled before the ready line: whoever reads it may signal at once.
      const signalled = new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      sessions = () => proxy.sessions;
      const addr = await proxy.listen(listen.port, listen.host);
      let ops: { url: string; app: { close(): Promise<void> } } | undefined;
      if (opts.metricsListen) {
        const m = parseListen(opts.metricsListen);
        ops = await startOpsServer(m.host, m.port, {
          metrics,
          checks: [{ name: 'log-writable', check: () => logMetrics.notWritable() }, tcpReachable('upstream-reachable', up.target.host, up.target.port)],
        });
      }
      printResult(opts.json, { url: `postgres://${addr.host}:${addr.port}`, listening: `${addr.host}:${addr.port}`, upstream: `${up.target.host}:${up.target.port}`, ...(ops ? { metrics: `${ops.url}/metrics` } : {}) }, `ilog proxy listening on ${addr.host}:${addr.port} → ${up.target.host}:${up.target.port}`);
      await signalled;
      await ops?.app.close();
      await reconciler?.stop();
      await close();
      await appender.close();
    }),
  );
}

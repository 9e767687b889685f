// `ilog serve`: the log service over HTTP (tlog-tiles read API, proofs, POST /add),
// plus the application capture API and alerting when the data directory has
// `apps.json` / `alerts.json` (see src/server/serve.ts).
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { note, printResult, usageError, type GlobalOptions } from './output.js';
import { DEFAULT_LISTEN } from './serve-defaults.js';

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('serve')
      .description('serve the log over HTTP (C2SP tlog-tiles read API, proofs, authenticated POST /add; app API and alerts when configured)')
      .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN)
      .option('--require-read-token', 'reads need a token (`ilog read-token add`) even on loopback')
      .option('--public-read', 'anyone who reaches the server may read every entry, even beyond loopback')
      .option('--config <file>', 'YAML or JSON config file (docs/operations.md#one-config-file); flags override it, ILOG_* variables override the file')
      .option('--log-format <format>', 'log lines on stderr: json (one JSON object per line) or pretty', 'json')
      .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
      .option('--metrics-listen <host:port>', 'serve /metrics, /healthz and /readyz on this address instead of the main one (use it when the main port is public)'),
  ).action(
    action<GlobalOptions & { listen: string; requireReadToken?: boolean; publicRead?: boolean; metricsListen?: string; logFormat: string; logLevel: string; config?: string }, []>(async (opts) => {
      if (opts.requireReadToken && opts.publicRead) throw usageError('--require-read-token and --public-read contradict each other');
      const { startLogService, stopOnSignals } = await import('../server/serve.js');
      const readTokens = opts.requireReadToken ? true : opts.publicRead ? false : undefined;
      const { loadConfig } = await import('./config-file.js');
      const cfg = loadConfig(opts.config);
      const { loggerFromFlags } = await import('./log-flags.js');
      const logger = await loggerFromFlags('serve', { logFormat: opts.logFormat !== 'json' ? opts.logFormat : (cfg.log?.format ?? 'json'), logLevel: opts.logLevel !== 'info' ? opts.logLevel : (cfg.log?.level ?? 'info') }, opts.dir);
      const listenAddr = opts.listen !== DEFAULT_LISTEN ? opts.listen : (cfg.serve?.listen ?? DEFAULT_LISTEN);
      const reads = readTokens ?? cfg.serve?.readTokens;
      const metricsListen = opts.metricsListen ?? cfg.metrics?.listen;
      const running = await startLogService(opts.dir, listenAddr, { logger, ...(reads === undefined ? {} : { readTokens: reads }), ...(metricsListen ? { metricsListen } : {}) });
      stopOnSignals(running.stop, () => note(opts.json, 'ilog: stopped'));
      const { alerting, appApi } = running.features;
      printResult(opts.json, { url: running.url, metrics: `${running.metricsUrl}/metrics`, origin: running.appender.origin, alerting, appApi }, `ilog: serving ${running.appender.origin} at ${running.url}`);
      if (alerting) note(opts.json, 'ilog: alerting on (alerts.json): detector running, POST /v1/access and /v1/alerts served');
      else if (appApi) note(opts.json, 'ilog: application capture API on (apps.json): POST /v1/access');
      if (running.features.readTokens) note(opts.json, 'ilog: reads need a read token (issue with `ilog read-token add <name>`; --public-read to open them)');
      note(opts.json, 'ilog: press Ctrl-C to stop');
    }),
  );
}

// `ilog reconcile --monitor <postgres URL>`: follows the audited PostgreSQL
// server's own log (pgAudit, csvlog) and reconciles it against the log's access
// entries; everything unmatched becomes a `bypass.detected` entry (docs/reconcile.md).
import type { Command } from 'commander';
import { action, withCommonOptions } from './common.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

interface ReconcileCliOptions extends GlobalOptions {
  monitor?: string;
  server?: string;
  logDir?: string;
  cursor?: string;
  from: string;
}

export function register(program: Command): void {
  withCommonOptions(
    program
      .command('reconcile')
      .description("reconcile the database server's pgAudit log against the access entries; raise bypasses")
      .option('--monitor <url>', 'monitoring role on the audited server, postgres://role:password@host:port/db (env ILOG_MONITOR)')
      .option('--server <name>', 'name of the audited server in entries (default host:port)')
      .option('--log-dir <dir>', "the server's csvlog directory (default: what the server reports)")
      .option('--cursor <file>', 'cursor file (default <dir>/reconcile.cursor.json)')
      .option('--from <where>', 'without a cursor, start at the oldest log file (start) or at the end of the newest (end)', 'start'),
  ).action(
    action<ReconcileCliOptions, []>(async (opts) => {
      const monitorUrl = opts.monitor ?? process.env.ILOG_MONITOR;
      if (!monitorUrl) throw usageError('--monitor is required (postgres://role:password@host:port/db)');
      if (opts.from !== 'start' && opts.from !== 'end') throw usageError('--from must be start or end');
      const { Appender } = await import('../log/appender.js');
      const { startReconciler } = await import('../capture/pgaudit/start-reconciler.js');
      const appender = await Appender.open(opts.dir);
      const report = (e: unknown): void => void process.stderr.write(`ilog reconcile: ${e instanceof Error ? e.message : String(e)}\n`);
      const r = await startReconciler({ dir: opts.dir, appender, monitorUrl, server: opts.server, logDirectory: opts.logDir, cursorFile: opts.cursor, from: opts.from, report }).catch(async (e: unknown) => {
        await appender.close();
        throw e;
      });
      // Signals are handled before the ready line: whoever reads it may signal at once.
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      printResult(opts.json, { reconciling: true }, 'ilog reconcile: following the server log');
      await signalled;
      await r.stop();
      await appender.close();
    }),
  );
}

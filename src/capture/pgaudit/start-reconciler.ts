// Assembles the pgAudit reconciler over a data directory: checks the audited
// server's settings as the monitoring role (refusing to start when statements
// could go unaudited), then follows its csvlog into the log. `ilog reconcile`
// runs it alone, `ilog proxy --reconcile` beside the proxy.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../../ledger/errors.js';
import type { Appender } from '../../log/appender.js';
import { loadParser } from '../pg/classify.js';
import { loadHmacKey } from '../pg/entries.js';
import { Reconciler } from './reconciler.js';
import { checkServerSettings } from './server-settings.js';

export interface StartReconcilerOptions {
  dir: string;
  appender: Appender;
  /** postgres:// URL of a monitoring role on the audited server (pg_read_all_settings). */
  monitorUrl: string;
  /** Name of the audited server in entries (default host:port of monitorUrl). */
  server?: string;
  /** csvlog directory when it differs from what the server reports (e.g. logs shipped to another path). */
  logDirectory?: string;
  cursorFile?: string;
  from?: 'start' | 'end';
  pollMs?: number;
  report: (e: unknown) => void;
}

export async function startReconciler(o: StartReconcilerOptions): Promise<Reconciler> {
  const facts = await checkServerSettings(o.monitorUrl);
  // PostgreSQL's parser (WASM) normalises statement texts: loaded before the reconciler is
  // made, so that once this resolves the first round reads at once (seconds on a cold start).
  await loadParser();
  const u = new URL(o.monitorUrl);
  const server = o.server ?? `${u.hostname}:${u.port || 5432}`;
  const r = new Reconciler({
    server,
    logDirectory: o.logDirectory ?? facts.logDirectory,
    cursorFile: o.cursorFile ?? join(o.dir, 'reconcile.cursor.json'),
    hmacKey: loadHmacKey(o.dir),
    log: o.appender.storage,
    writer: { appendMany: (es) => o.appender.appendMany(es) },
    from: o.from,
    pollMs: o.pollMs,
    own: facts.own,
    onRestart: async () => (await checkServerSettings(o.monitorUrl)).own,
    report: o.report,
  });
  r.start();
  return r;
}

/** `<dir>/reconcile.json`: makes `ilog serve` run the reconciler (docs/reconcile.md). */
export const RECONCILE_CONFIG = 'reconcile.json';

interface ReconcileConfig {
  monitor: string;
  server?: string;
  logDir?: string;
  from?: 'start' | 'end';
}

/** Starts the reconciler when `<dir>/reconcile.json` exists; undefined otherwise. */
export async function startConfiguredReconciler(dir: string, appender: Appender, report: (e: unknown) => void): Promise<Reconciler | undefined> {
  const file = join(dir, RECONCILE_CONFIG);
  if (!existsSync(file)) return undefined;
  let cfg: ReconcileConfig;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as ReconcileConfig;
  } catch (e) {
    throw new IlogError('BAD_CONFIG', `${file} is not JSON: ${(e as Error).message}`, { file });
  }
  if (typeof cfg.monitor !== 'string' || (cfg.from !== undefined && cfg.from !== 'start' && cfg.from !== 'end')) {
    throw new IlogError('BAD_CONFIG', `${file} needs "monitor": "postgres://role:password@host:port/db" (and optional "server", "logDir", "from": "start"|"end")`, { file });
  }
  return startReconciler({ dir, appender, monitorUrl: cfg.monitor, server: cfg.server, logDirectory: cfg.logDir, from: cfg.from, report });
}

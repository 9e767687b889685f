// Assembles the pgAudit reconciler over a data directory: checks the audited
// server's settings as the monitoring role (refusing to start when statements
// could go unaudited), then follows its csvlog into the log. `ilog reconcile`
// runs it alone, `ilog proxy --reconcile` beside the proxy.
import { join } from 'node:path';
import type { Appender } from '../../log/appender.js';
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

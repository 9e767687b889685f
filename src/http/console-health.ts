// Facts for the console's log health page that live in the data directory
// (docs/console.md "Log health"): who may read the whole log (read tokens:
// mirrors and auditors, by name only), and how far the pgAudit reconciler has
// come (its durable cursor, docs/reconcile.md).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readTokenStore } from './log-read-auth.js';

/** The reconciler's cursor file (src/capture/pgaudit/start-reconciler.ts). */
const RECONCILE_CURSOR = 'reconcile.cursor.json';

export interface ReconcileLag {
  /** When the reconciler last saved its cursor (it saves after every batch it handled). */
  cursorSavedAt: string;
  secondsSinceCursor: number;
  /** The log size when it last caught up with the log's access entries, and how many entries came since. */
  logSizeAtCursor: number;
  entriesSince: number;
}

export function logHealthFacts(dir: string | undefined, logSize: number, clock: () => number): { readers: string[] | null; reconciliation: ReconcileLag | { error: string } | null } {
  if (dir === undefined) return { readers: null, reconciliation: null };
  let readers: string[] | null;
  try {
    readers = readTokenStore(dir, 'all').names();
  } catch {
    readers = null; // an unreadable token file: the read API says why to whoever uses it
  }
  return { readers, reconciliation: reconcileLag(join(dir, RECONCILE_CURSOR), logSize, clock) };
}

function reconcileLag(file: string, logSize: number, clock: () => number): ReconcileLag | { error: string } | null {
  if (!existsSync(file)) return null;
  try {
    const saved = statSync(file).mtimeMs;
    const cursor = JSON.parse(readFileSync(file, 'utf8')) as { logSize?: unknown };
    const at = typeof cursor.logSize === 'number' ? cursor.logSize : 0;
    return { cursorSavedAt: new Date(saved).toISOString(), secondsSinceCursor: Math.max(0, Math.round((clock() - saved) / 1000)), logSizeAtCursor: at, entriesSince: Math.max(0, logSize - at) };
  } catch (e) {
    return { error: `the reconciler cursor cannot be read: ${(e as Error).message}` };
  }
}

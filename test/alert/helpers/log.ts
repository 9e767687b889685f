// A real log for alert tests: `initLog` + `Appender` on the SQLite backend in a
// temp dir (entry 0 is genesis), read back by index.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertLog } from '../../../src/alert/alert-log.js';
import '../../../src/alert/entries.js'; // registers the alert.* schemas before anything is encoded
import { storageAlertLog } from '../../../src/alert/storage-log.js';
import { Appender } from '../../../src/log/appender.js';
import { initLog } from '../../../src/log/appender-init.js';

export interface TestLog {
  dir: string;
  origin: string;
  appender: Appender;
  /** What the app API and the alert service write with: the Appender. */
  writer: { append(entry: object): Promise<number> };
  log: AlertLog;
  /** Every entry in the log, decoded. */
  entries(): { index: number; entry: Record<string, any> }[];
  close(): Promise<void>;
}

export async function openTestLog(dir = mkdtempSync(join(tmpdir(), 'ilog-alert-'))): Promise<TestLog> {
  await initLog(dir, { origin: 'test.example/alerts' });
  const appender = await Appender.open(dir);
  const dec = new TextDecoder();
  return {
    dir,
    origin: 'test.example/alerts',
    appender,
    writer: appender,
    log: storageAlertLog(appender, appender.storage),
    entries: () => appender.storage.readEntries(0, appender.storage.size()).map((b, index) => ({ index, entry: JSON.parse(dec.decode(b)) })),
    close: () => appender.close(),
  };
}

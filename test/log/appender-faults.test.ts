// The appender over a fault-injecting store (test/helpers/faulty-store.ts):
// failed and torn commits reach the callers as errors (fail closed: an access
// whose entry is not acknowledged does not happen), a slow store only slows
// them, and after every fault the log still passes checkLog — no index twice,
// no gap, tiles and signed checkpoints consistent with the entries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Appender } from '../../src/log/appender.js';
import { initLog, type InitializedLog } from '../../src/log/appender-init.js';
import { logWriter } from '../../src/log/appender-writer.js';
import { asyncLog } from '../../src/storage/log-reader.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { FaultyStore } from '../helpers/faulty-store.js';
import { codeOfAsync } from '../helpers/codes.js';
import { checkLog } from './check-log.js';

let dir: string;
let log: InitializedLog;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ilog-faults-'));
  log = await initLog(dir, { origin: 'faults.example/log' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bytes = (i: number): Uint8Array => Buffer.from(JSON.stringify({ n: i }));

describe('Appender over a fault-injecting store', () => {
  it('reports failed and torn appends, integrates and signs through faults, and the log stays sound', async () => {
    const storage = SqliteLogStorage.open(dir);
    const faulty = new FaultyStore(asyncLog(storage));
    faulty.delayMs = 2;
    const appender = await Appender.open(dir, { storage, writer: logWriter(faulty), pollIntervalMs: 20 });
    try {
      expect(await appender.append(bytes(1))).toBe(1);
      faulty.inject('append', { kind: 'fail' });
      expect(await codeOfAsync(() => appender.append(bytes(2)))).toBe('STORAGE_ERROR');
      faulty.inject('append', { kind: 'tear' });
      expect(await codeOfAsync(() => appender.append(bytes(3)))).toBe('STORAGE_ERROR'); // durable, but nobody was told so
      const next = await appender.append(bytes(4));
      expect(next).toBe(3); // after the torn batch at 2: never an index twice
      faulty.inject('integrate', { kind: 'tear' }).inject('checkpoint', { kind: 'fail' });
      const after = await appender.append(bytes(5));
      const integrated = await appender.awaitIntegrated(after);
      expect(integrated.size).toBeGreaterThan(after);
      expect(faulty.fired).toEqual({ append: { fail: 1, tear: 1 }, integrate: { fail: 0, tear: 1 }, checkpoint: { fail: 1, tear: 0 } });
    } finally {
      await appender.close(); // closes the writer, and with it the store it wraps
    }
    const reopened = SqliteLogStorage.open(dir);
    try {
      const entries = checkLog(reopened, log.vkey, 'faults.example/log');
      expect(entries.map((e) => Buffer.from(e).toString()).slice(1)).toEqual(['{"n":1}', '{"n":3}', '{"n":4}', '{"n":5}']);
    } finally {
      reopened.close();
    }
  });
});

// Test fixture: a real log (initLog + Appender on SQLite in a temp dir) with
// entries spread over several tiles and several signed checkpoints.
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initLog } from '../../src/log/appender-init.js';
import { Appender } from '../../src/log/appender.js';

export const ORIGIN = 'test.example/verify';

/** A valid `access` entry; `i` makes each one distinct. */
export function accessEntry(i: number): Record<string, unknown> {
  return {
    v: 1,
    kind: 'access',
    time: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    source: 'app:test',
    person: `person${i % 7}`,
    action: 'view',
    resource: { type: 'customer', ids: [String(i)] },
  };
}

export function tempDir(prefix = 'ilog-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Creates a log with genesis plus `count` access entries appended in `batches`
 * batches, a checkpoint signed after each batch. Returns its directory.
 */
export async function buildLog(count: number, batches = 1, dir = join(tempDir(), 'log')): Promise<string> {
  await initLog(dir, { origin: ORIGIN });
  const appender = await Appender.open(dir);
  try {
    const per = Math.ceil(count / batches);
    for (let i = 0; i < count; i += per) {
      const chunk = [];
      for (let j = i; j < Math.min(count, i + per); j++) chunk.push(accessEntry(j));
      await appender.appendMany(chunk);
      await appender.checkpoint();
    }
  } finally {
    await appender.close();
  }
  return dir;
}

/** A private copy of a log directory (to tamper with). */
export function copyLog(dir: string): string {
  const copy = join(tempDir('ilog-tamper-'), 'log');
  cpSync(dir, copy, { recursive: true });
  return copy;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

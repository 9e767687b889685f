// The detector pipeline (src/alert/pipeline.ts) tells when the detector's state may be
// snapshotted: not while findings that fell due on the clock are still being raised, and
// never again once a raise was given up because the pipeline stopped. A snapshot taken
// then would be past a finding nobody raised, and the restart would not raise it either.
// A real SQLite log; the detector is a FindingSource whose clock-driven finding is known.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startPipeline, type FindingSource } from '../../src/alert/pipeline.js';
import type { Finding } from '../../src/detect/finding.js';
import { initLog } from '../../src/log/appender-init.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';

const held: Finding = {
  id: 'foreign-record:7', rule: 'foreign-record', subject: 'rita', alsoConcerns: [], severity: 'medium', score: 72,
  reasons: ['opened a record others work with'], entries: [0], time: '2026-12-07T10:00:00.000Z', alert: true,
};

/** Finds nothing in entries; its first advance() hands out the held finding (a glance whose window closed). */
function clockDetector(): FindingSource & { advanced: number } {
  const d = {
    advanced: 0,
    observe: () => [],
    advance: () => (d.advanced++ === 0 ? [held] : []),
  };
  return d;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('pipeline: when the detector may be snapshotted', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  async function log(): Promise<SqliteLogStorage> {
    const dir = mkdtempSync(join(tmpdir(), 'ilog-pipeline-'));
    dirs.push(dir);
    await initLog(dir, { origin: 'test.example/pipeline' });
    return SqliteLogStorage.open(dir);
  }

  it('is not settled while a finding that fell due on the clock is being raised, and is once it is raised', async () => {
    const storage = await log();
    let release!: () => void;
    const raised: Finding[] = [];
    const sink = { raise: (f: Finding) => new Promise<void>((r) => (release = () => (raised.push(f), r()))) };
    const p = startPipeline(storage, clockDetector(), sink, { tickMs: 5 });
    try {
      await until(() => release !== undefined, 'the held finding to reach the sink');
      expect(p.settled()).toBe(false);
      release();
      await until(() => p.settled(), 'the pipeline to settle');
      expect(raised.map((f) => f.id)).toEqual([held.id]);
    } finally {
      await p.stop();
      storage.close();
    }
  });

  it('stays unsettled after a stop gave up raising a finding (the next start must replay it)', async () => {
    const storage = await log();
    let tries = 0;
    const sink = { raise: () => (tries++, Promise.reject(new Error('alert store down'))) };
    const p = startPipeline(storage, clockDetector(), sink, { tickMs: 5, onError: () => {} });
    await until(() => tries > 0, 'a first attempt');
    expect(p.settled()).toBe(false);
    await p.stop();
    expect(p.settled()).toBe(false);
    storage.close();
  });
});

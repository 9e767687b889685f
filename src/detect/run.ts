// Wiring: log follower → detector → FindingSink. The detector's snapshot file is
// the durable cursor: it records the next index to observe together with the
// state built from every entry before it, so a restart resumes exactly where the
// snapshot was taken. Findings raised between the last snapshot and a crash are
// raised again on restart with the same ids (Finding.id is rule + entry index),
// which the alert area uses to raise each alert once.
import { existsSync, readFileSync } from 'node:fs';
import { isIlogError } from '../ledger/errors.js';
import { writeFileDurable } from '../storage/durable-file.js';
import type { DetectorConfigInput } from './config.js';
import { Detector, type DetectorSnapshot } from './detector.js';
import type { Finding } from './finding.js';

/**
 * What the follower yields (src/log/follower.ts: `{ index, bytes, entry }`, entry
 * decoded): entries in index order. A source that never ends (the Follower polls
 * for new entries) is stopped through `close()` when the run's signal aborts.
 */
export type EntrySource = AsyncIterable<{ index: number; entry: unknown }> & { close?: () => void };

/** Receives every finding; a rejected promise stops the run (the snapshot is not advanced past it). */
export type FindingSink = (finding: Finding) => void | Promise<void>;

export interface RunOptions {
  source: EntrySource;
  sink: FindingSink;
  detector: Detector;
  /** Where to keep the detector snapshot; without it, state lives only in memory. */
  snapshotFile?: string;
  /** Save the snapshot after this many entries or this many ms, whichever first. */
  snapshotEveryEntries?: number;
  snapshotEveryMs?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * The detector to resume with: restored from `snapshotFile` if it was made with
 * the same config, else a fresh one (which must then replay the log from entry 0:
 * start the follower at `detector.nextIndex`).
 */
export function loadDetector(config: DetectorConfigInput, snapshotFile?: string): Detector {
  if (!snapshotFile || !existsSync(snapshotFile)) return new Detector(config);
  try {
    return Detector.restore(JSON.parse(readFileSync(snapshotFile, 'utf8')) as DetectorSnapshot, config);
  } catch (e) {
    // A snapshot from another config or version, or a torn file: rebuild by replay rather than refuse to run.
    if (isIlogError(e, 'DETECT_SNAPSHOT_MISMATCH') || e instanceof SyntaxError) return new Detector(config);
    throw e;
  }
}

export function saveSnapshot(detector: Detector, snapshotFile: string): void {
  writeFileDurable(snapshotFile, JSON.stringify(detector.snapshot()), { mode: 0o600 });
}

/** Feed entries to the detector and findings to the sink until the source ends or `signal` aborts. */
export async function runDetector(o: RunOptions): Promise<{ observed: number; findings: number }> {
  const now = o.now ?? Date.now;
  const everyEntries = o.snapshotEveryEntries ?? 10_000;
  const everyMs = o.snapshotEveryMs ?? 10_000;
  let observed = 0;
  let findings = 0;
  let sinceSave = 0;
  let lastSave = now();
  const save = () => {
    if (o.snapshotFile && sinceSave > 0) saveSnapshot(o.detector, o.snapshotFile);
    sinceSave = 0;
    lastSave = now();
  };
  const stop = () => o.source.close?.();
  o.signal?.addEventListener('abort', stop, { once: true });
  // A sink that failed leaves the snapshot where it was: the restart re-raises from there (same ids).
  let failed = false;
  try {
    for await (const { index, entry } of o.source) {
      if (o.signal?.aborted) break;
      for (const f of o.detector.observe(index, entry)) {
        try {
          await o.sink(f);
        } catch (e) {
          failed = true;
          throw e;
        }
        findings++;
      }
      observed++;
      sinceSave++;
      if (sinceSave >= everyEntries || now() - lastSave >= everyMs) save();
    }
  } finally {
    o.signal?.removeEventListener('abort', stop);
    if (!failed) save();
  }
  return { observed, findings };
}

/**
 * Follow a log (a LogStorage or a log URL) with the service area's Follower,
 * starting at the detector's next index. Loaded lazily so the detector itself has
 * no dependency on the log service.
 */
export async function followLog(target: unknown, detector: Detector): Promise<EntrySource> {
  const path = '../log/follower.js';
  const mod = (await import(path)) as { Follower: new (t: unknown, o: { from?: number }) => EntrySource };
  // The Follower yields `{ index, bytes, entry }`; runDetector reads index and entry.
  return new mod.Follower(target, { from: detector.nextIndex });
}

// A witness's durable state (`<dir>/witness.db`, SQLite WAL, synchronous=FULL):
// the latest checkpoint it cosigned for each origin, and evidence of refused
// submissions that may prove log misbehaviour (tlog-witness v1.0.0: "the
// witness MAY log the request even if the consistency proof doesn't verify").
//
// tlog-witness requires the old-size check and the store of the new checkpoint
// to be one atomic step (else two racing requests can roll the witness back).
// `batch` runs the caller's checks and writes in one BEGIN IMMEDIATE
// transaction: SQLite's write lock serialises it against every other request,
// in this process or any other process sharing the file. Several submissions
// can share one transaction (group commit: one fsync for all of them).

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InconsistencyEvidence } from './evidence.js';

export interface CosignedState {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The checkpoint note as submitted (the log's signature kept). */
  note: string;
  updatedMs: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cosigned (
  origin  TEXT PRIMARY KEY,
  size    INTEGER NOT NULL,
  root    BLOB NOT NULL,
  note    TEXT NOT NULL,
  updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS starts (
  id   INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
  id     INTEGER PRIMARY KEY,
  origin TEXT NOT NULL,
  time   INTEGER NOT NULL,
  kind   TEXT NOT NULL,
  body   TEXT NOT NULL
);
`;

interface Row {
  origin: string;
  size: number;
  root: Buffer;
  note: string;
  updated: number;
}

const MAX_EVIDENCE_ROWS = 10_000;

export class WitnessStore {
  readonly #db: Database.Database;
  readonly #get;
  readonly #put;
  readonly #addEvidence;
  readonly #listEvidence;
  readonly #countEvidence;
  readonly #addStart;
  readonly #listStarts;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT origin, size, root, note, updated FROM cosigned WHERE origin = ?');
    this.#put = db.prepare('INSERT OR REPLACE INTO cosigned (origin, size, root, note, updated) VALUES (?, ?, ?, ?, ?)');
    this.#addEvidence = db.prepare('INSERT INTO evidence (origin, time, kind, body) VALUES (?, ?, ?, ?)');
    this.#listEvidence = db.prepare('SELECT id, body FROM evidence ORDER BY id DESC LIMIT ?');
    this.#countEvidence = db.prepare('SELECT count(*) FROM evidence').pluck();
    this.#addStart = db.prepare('INSERT INTO starts (body) VALUES (?)');
    this.#listStarts = db.prepare('SELECT body FROM starts ORDER BY id DESC LIMIT ?').pluck();
  }

  static open(dir: string, file = 'witness.db'): WitnessStore {
    mkdirSync(dir, { recursive: true });
    const db = new Database(join(dir, file), { timeout: 10_000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    return new WitnessStore(db);
  }

  latest(origin: string): CosignedState | undefined {
    const r = this.#get.get(origin) as Row | undefined;
    return r && { origin: r.origin, size: r.size, root: new Uint8Array(r.root), note: r.note, updatedMs: r.updated };
  }

  /**
   * Run `fn` in one BEGIN IMMEDIATE transaction: reads (latest) and writes (put)
   * inside it are atomic with respect to every other writer of the file, and the
   * whole batch is durable (one fsync) when this returns. If `fn` throws, nothing
   * it wrote is kept.
   */
  batch<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** Store the latest cosigned state of an origin (call inside batch()). */
  put(next: CosignedState): void {
    this.#put.run(next.origin, next.size, Buffer.from(next.root), next.note, next.updatedMs);
  }

  /** Keep evidence of a refused submission (bounded: a log cannot fill the disk). */
  recordEvidence(e: InconsistencyEvidence): void {
    if ((this.#countEvidence.get() as number) >= MAX_EVIDENCE_ROWS) return;
    this.#addEvidence.run(e.origin, Date.parse(e.time), e.kind, JSON.stringify(e));
  }

  /**
   * Keeps the record of one start of the witness process (version, code hash,
   * configuration hash: see log/node-started.ts), durable before it serves: an
   * upgraded or patched witness leaves its trace where its operator and auditors
   * look (`ilog witness status`). A witness never writes to the logs it follows.
   */
  recordStart(start: object): void {
    this.#addStart.run(JSON.stringify(start));
  }

  /** Most recent first. */
  starts(limit = 10): Record<string, unknown>[] {
    return (this.#listStarts.all(limit) as string[]).map((b) => JSON.parse(b) as Record<string, unknown>);
  }

  /** Most recent first. */
  evidence(limit = 100): (InconsistencyEvidence & { id: number })[] {
    return (this.#listEvidence.all(limit) as { id: number; body: string }[]).map((r) => ({ id: r.id, ...(JSON.parse(r.body) as InconsistencyEvidence) }));
  }

  close(): void {
    this.#db.close();
  }
}

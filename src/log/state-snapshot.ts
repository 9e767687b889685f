// Snapshots of derived state (policy, alert book, detector, the proxy's
// directory) so that a restart replays only the entries after them. The
// server's own files are trusted for nothing (DESIGN.md), so a snapshot is
// bound to the log and signed:
// - it names a signed checkpoint of the log (the note itself, size and root)
//   and is taken from exactly the entries [0, size) that checkpoint commits to;
// - its text — component, checkpoint size and root, SHA-256 of the state — is a
//   signed note (C2SP signed-note v1.0.0) under the log's key, so an edited
//   state or a snapshot moved between components or logs does not verify;
// - on load, the checkpoint must open under the log's key and the log's current
//   tree must extend it (an RFC 9162 consistency proof from stored tiles,
//   checked against the latest signed checkpoint): a snapshot of a forked or
//   rewritten log is refused.
// Any failure discards the snapshot with a reason; the caller replays from 0.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint } from '../ledger/checkpoint.js';
import { IlogError } from '../ledger/errors.js';
import { consistencyProof, verifyConsistency } from '../ledger/merkle.js';
import { openNote, signNote, type Signer, type Verifier } from '../ledger/note.js';
import { writeFileDurable } from '../storage/durable-file.js';
import type { LogStorageReader } from '../storage/log-storage.js';
import { TileCache } from '../storage/tile-cache.js';

const HEADER = 'ilog state snapshot v1';
/** Component names are file names: short, plain. */
const NAME = /^[a-z][a-z0-9-]{0,40}$/;

interface SnapshotFile {
  /** The signed checkpoint the state was taken at. */
  checkpoint: string;
  /** Signed note: HEADER, origin, component, size, root (base64), state SHA-256 (base64). */
  seal: string;
  state: unknown;
}

export interface LoadedSnapshot<T> {
  /** Entries [0, size) are in `state`; replay from `size`. */
  size: number;
  state: T;
}

export type SnapshotRefusal = { refused: string };

/** JSON with Maps and Sets kept (component state is full of them), in insertion order. */
export function encodeState(value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()].map(([k, v]) => [encodeState(k), encodeState(v)]) };
  if (value instanceof Set) return { $set: [...value.values()].map(encodeState) };
  if (Array.isArray(value)) return value.map(encodeState);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeState(v)]));
  return value;
}

export function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeState);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.$map) && Object.keys(o).length === 1) return new Map((o.$map as [unknown, unknown][]).map(([k, v]) => [decodeState(k), decodeState(v)]));
    if (Array.isArray(o.$set) && Object.keys(o).length === 1) return new Set((o.$set as unknown[]).map(decodeState));
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeState(v)]));
  }
  return value;
}

const pathOf = (dir: string, name: string): string => join(dir, 'snapshots', `${name}.json`);

function sealText(origin: string, name: string, size: number, root: Uint8Array, state: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(state)).digest('base64');
  return `${HEADER}\n${origin}\n${name}\n${size}\n${Buffer.from(root).toString('base64')}\n${hash}\n`;
}

/** Write `state`, taken from exactly the entries of signed `checkpoint`, for component `name`. */
export function saveSnapshot(dir: string, name: string, checkpoint: string, verifier: Verifier, signer: Signer, state: unknown): void {
  if (!NAME.test(name)) throw new IlogError('USAGE', 'a snapshot name is lower-case letters, digits and dashes', { name });
  const { checkpoint: cp } = openCheckpoint(checkpoint, [verifier]);
  const encoded = encodeState(state);
  const file: SnapshotFile = { checkpoint, seal: signNote(sealText(cp.origin, name, cp.size, cp.root, encoded), signer), state: encoded };
  mkdirSync(join(dir, 'snapshots'), { recursive: true, mode: 0o700 });
  writeFileDurable(pathOf(dir, name), JSON.stringify(file) + '\n', { mode: 0o600 });
}

/**
 * The snapshot of component `name`, if it is sound and `log` extends it; else
 * `{ refused }` with the reason (the file is moved aside to `<name>.json.refused`
 * for inspection), or undefined when there is none.
 */
export function loadSnapshot<T>(dir: string, name: string, log: Pick<LogStorageReader, 'readTile' | 'latestCheckpoint'>, verifier: Verifier): LoadedSnapshot<T> | SnapshotRefusal | undefined {
  const path = pathOf(dir, name);
  if (!existsSync(path)) return undefined;
  const refuse = (why: string): SnapshotRefusal => {
    try {
      renameSync(path, `${path}.refused`);
    } catch {
      // a read-only data directory: the snapshot is ignored all the same
    }
    return { refused: why };
  };
  let file: SnapshotFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile;
    if (typeof file.checkpoint !== 'string' || typeof file.seal !== 'string') return refuse('not a snapshot file');
  } catch {
    return refuse('unreadable');
  }
  try {
    const { checkpoint: cp } = openCheckpoint(file.checkpoint, [verifier]);
    openNote(file.seal, [verifier]);
    if (file.seal.slice(0, file.seal.indexOf('\n\n') + 1) !== sealText(cp.origin, name, cp.size, cp.root, file.state)) {
      return refuse('the seal does not match the state, the component or the checkpoint');
    }
    const latestNote = log.latestCheckpoint();
    if (latestNote === undefined) return refuse('the log has no checkpoint');
    const { checkpoint: latest } = openCheckpoint(latestNote, [verifier], cp.origin);
    if (latest.size < cp.size) return refuse(`the log (size ${latest.size}) is shorter than the snapshot (size ${cp.size})`);
    const proof = consistencyProof(cp.size, latest.size, new TileCache((l, i, w) => log.readTile(l, i, w), 64).nodeReader(latest.size));
    verifyConsistency(cp.size, latest.size, proof, cp.root, latest.root);
    return { size: cp.size, state: decodeState(file.state) as T };
  } catch (e) {
    return refuse(e instanceof IlogError ? `${e.code}: ${e.message}` : String(e));
  }
}

/** Derived state that replays entries and can be snapshotted. */
export interface Snapshottable<T> {
  apply(index: number, entry: Record<string, unknown>): void;
  snapshot(): T;
  restore(state: T): void;
}

export interface SnapshotReplay {
  /** Where replay started: the snapshot's size, or 0. */
  from: number;
  /** Why a snapshot was refused (then replay started at 0). */
  refused?: string;
  /** Entries applied by this replay. */
  applied: number;
}

/**
 * Bring `component` up to the log's latest signed checkpoint: from its snapshot
 * when sound, else from entry 0; entries are read through `proven` (proven into
 * that checkpoint). Saves a new snapshot at the checkpoint when `signer` is given.
 */
export function replayFromSnapshot<T>(
  dir: string,
  name: string,
  component: Snapshottable<T>,
  proven: { size(): number; readEntries(from: number, to: number, limit?: number): Uint8Array[] },
  log: Pick<LogStorageReader, 'readTile' | 'latestCheckpoint'>,
  verifier: Verifier,
  signer?: Signer,
): SnapshotReplay {
  const snap = loadSnapshot<T>(dir, name, log, verifier);
  let from = 0;
  if (snap && 'state' in snap) {
    component.restore(snap.state);
    from = snap.size;
  }
  const checkpoint = log.latestCheckpoint();
  const size = proven.size();
  let applied = 0;
  for (let i = from; i < size; ) {
    const batch = proven.readEntries(i, size, 4096);
    if (batch.length === 0) break;
    for (const bytes of batch) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
      } catch {
        entry = { kind: '' }; // not ours to judge (verification reports it); the index still advances
      }
      component.apply(i, entry);
      i++;
      applied++;
    }
  }
  if (signer && checkpoint !== undefined && size > from && openCheckpoint(checkpoint, [verifier]).checkpoint.size === size) {
    saveSnapshot(dir, name, checkpoint, verifier, signer, component.snapshot());
  }
  return { from, applied, ...(snap && 'refused' in snap ? { refused: snap.refused } : {}) };
}

/**
 * When a component that follows the log (the alert book, the detector) should
 * snapshot itself, and at which signed checkpoint: at most every `everyMs`, at the
 * latest checkpoint at or beyond the component's position. The component calls
 * `due(position)` as it advances and `take(size, state)` once its state covers
 * exactly the entries [0, size).
 */
export class SnapshotSchedule {
  readonly #dir: string;
  readonly #name: string;
  readonly #log: Pick<LogStorageReader, 'latestCheckpoint'>;
  readonly #verifier: Verifier;
  readonly #signer: Signer;
  readonly #everyMs: number;
  readonly #clock: () => number;
  readonly #onError: (e: unknown) => void;
  #last: number;
  #target: { note: string; size: number } | undefined;

  /** `onError`: a snapshot that cannot be saved (disk full) is reported and skipped; the component goes on. */
  constructor(o: { dir: string; name: string; log: Pick<LogStorageReader, 'latestCheckpoint'>; verifier: Verifier; signer: Signer; everyMs: number; clock?: () => number; onError?: (e: unknown) => void }) {
    this.#dir = o.dir;
    this.#name = o.name;
    this.#log = o.log;
    this.#verifier = o.verifier;
    this.#signer = o.signer;
    this.#everyMs = o.everyMs;
    this.#clock = o.clock ?? Date.now;
    this.#onError = o.onError ?? ((e) => process.emitWarning(`ilog: snapshot ${o.name} not saved: ${String(e)}`));
    this.#last = this.#clock();
  }

  /** The size of the checkpoint to snapshot at, when a snapshot is due and one lies at or beyond `position`. */
  due(position: number): number | undefined {
    if (this.#clock() - this.#last < this.#everyMs) return undefined;
    if (this.#target === undefined || this.#target.size < position) {
      try {
        const note = this.#log.latestCheckpoint();
        this.#target = note === undefined ? undefined : { note, size: openCheckpoint(note, [this.#verifier]).checkpoint.size };
      } catch (e) {
        this.#onError(e);
        this.#last = this.#clock(); // try again after the interval
        return undefined;
      }
    }
    return this.#target !== undefined && this.#target.size >= position ? this.#target.size : undefined;
  }

  /** Saves `state`, which covers exactly the entries [0, size), if `size` is the due checkpoint's. */
  take(size: number, state: unknown): boolean {
    if (this.#target?.size !== size || size === 0) return false;
    const note = this.#target.note;
    this.#last = this.#clock();
    this.#target = undefined;
    try {
      saveSnapshot(this.#dir, this.#name, note, this.#verifier, this.#signer, state);
      return true;
    } catch (e) {
      this.#onError(e);
      return false;
    }
  }

  /** The next `due` ignores the interval (a last snapshot on stop). */
  now(): void {
    this.#last = -Infinity;
    this.#target = undefined;
  }
}

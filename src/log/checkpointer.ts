// Signing: turn the stored tree into a C2SP tlog-checkpoint v1.0.0 body, sign it
// as a C2SP signed note with the log key, and store it (LogStorage.addCheckpoint
// keeps the history and never moves backwards). Another process with the same
// log may sign the same or a larger tree first; then its checkpoint is adopted.

import { parseCheckpoint, formatCheckpoint } from '../ledger/checkpoint.js';
import { parseNote, signNote, type Signer } from '../ledger/note.js';
import { asyncReader, type LogReader } from '../storage/log-reader.js';
import type { LogStorage, StoredCheckpoint, TreeState } from '../storage/log-storage.js';
import type { StorageWriter } from './appender-writer.js';

export class Checkpointer {
  readonly #storage: LogStorage;
  readonly #writer: StorageWriter;
  readonly #signer: Signer;
  readonly #origin: string;
  #latest: StoredCheckpoint | undefined;
  #signed = 0;

  readonly #reader: Pick<LogReader, 'treeState' | 'latestCheckpoint'>;

  /** Reads through `storage` (after the first look, through `reader` when given: asynchronous), stores through `writer` (same log). */
  constructor(storage: LogStorage, writer: StorageWriter, signer: Signer, origin: string, reader: Pick<LogReader, 'treeState' | 'latestCheckpoint'> = asyncReader(storage)) {
    this.#storage = storage;
    this.#reader = reader;
    this.#writer = writer;
    this.#signer = signer;
    this.#origin = origin;
    this.#latest = this.#loadLatest();
  }

  /** Checkpoints this process signed and stored. */
  get signed(): number {
    return this.#signed;
  }

  /** The latest checkpoint this process knows of (its own or one read from storage). */
  latest(): StoredCheckpoint | undefined {
    return this.#latest;
  }

  /**
   * Sign the stored tree if no checkpoint covers it yet; returns the latest
   * stored checkpoint afterwards (undefined only for an empty, unsigned log
   * when `evenEmpty` is false). `stored`: the tree as the caller has just read
   * or stored it (a round trip fewer on a network store), else read here.
   */
  async checkpoint(evenEmpty = false, stored?: TreeState): Promise<StoredCheckpoint | undefined> {
    const tree = stored ?? (await this.#reader.treeState());
    const latest = this.#latest;
    if (latest && latest.size >= tree.size) return latest;
    if (!latest && tree.size === 0 && !evenEmpty) return undefined;
    const note = this.sign(tree);
    if (await this.#writer.addCheckpoint(tree.size, note)) {
      this.stored({ size: tree.size, note });
    } else {
      this.#remember(parseLatest(await this.#reader.latestCheckpoint())); // someone else stored this size or a larger one
    }
    return this.#latest;
  }

  /** The signed note of `tree` (a C2SP checkpoint of this log), for the caller to store. */
  sign(tree: TreeState): string {
    return signNote(formatCheckpoint({ origin: this.#origin, size: tree.size, root: tree.root, extensions: [] }), this.#signer);
  }

  /** A note from sign() was stored (with its integration: Integration.checkpoint). */
  stored(cp: StoredCheckpoint): void {
    this.#signed++;
    this.#remember(cp);
  }

  /** The latest only moves forward: a signing that lost a race must not hide a larger checkpoint stored meanwhile. */
  #remember(cp: StoredCheckpoint | undefined): void {
    if (cp && (!this.#latest || cp.size > this.#latest.size)) this.#latest = cp;
  }

  #loadLatest(): StoredCheckpoint | undefined {
    return parseLatest(this.#storage.latestCheckpoint());
  }
}

function parseLatest(note: string | undefined): StoredCheckpoint | undefined {
  return note === undefined ? undefined : { size: parseCheckpoint(parseNote(note).text).size, note };
}

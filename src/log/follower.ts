// Follower: reads a log's entries in index order, forever, for the components
// that act on the log (proxy locks, detector, governance replay). Contract:
// - Entries are yielded in strictly increasing index order with no gaps.
// - New entries are noticed within `pollMs` (default 50 ms, at most 100 ms).
// - With a cursor file, `commit(index)` durably records that the effects of every
//   entry up to `index` are done (write temp, fsync, rename, fsync dir); a new
//   Follower on the same cursor file resumes at index+1. Commit after the effects
//   and each entry is processed exactly once across restarts (effects themselves
//   must be idempotent for the window between effect and commit).
// From a LogStorage it follows only entries proven by the newest signed
// checkpoint (proven-log.ts: replays trust nothing else; entries past it are
// yielded once a checkpoint covers them), unless `trust: 'sequenced'` asks for
// every durable entry (display only: `ilog tail`); from a URL, only what the
// published checkpoint covers (the C2SP read API serves nothing else).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeEntry, type Entry } from '../ledger/entry.js';
import { IlogError } from '../ledger/errors.js';
import { parseCheckpoint } from '../ledger/checkpoint.js';
import { openNote, parseNote, verifierFromKey } from '../ledger/note.js';
import { LogClient } from './log-client.js';
import type { LogStorage } from '../storage/log-storage.js';
import { ProvenLog, type EntryReader } from './proven-log.js';
import { writeFileDurable } from '../storage/durable-file.js';

export interface FollowerOptions {
  /** Durable cursor file: where to resume, updated by commit(). */
  cursorFile?: string;
  /** First index to read when there is no cursor yet (default 0). */
  from?: number;
  /** Poll interval when caught up, 1..100 ms (default 50). */
  pollMs?: number;
  /** Entries read per batch (default 1,000). */
  batchSize?: number;
  /** URL mode: only follow checkpoints signed by this vkey. */
  vkey?: string;
  /** Decode entries with the ledger's decodeEntry (default true); false yields bytes only. */
  decode?: boolean;
  /**
   * Storage mode: 'signed' (default) yields only entries proven into a signed
   * checkpoint; 'sequenced' yields every durable entry, for display, never for replay.
   */
  trust?: 'signed' | 'sequenced';
  /**
   * Storage mode, 'signed': asks the writer in this process to sign a checkpoint
   * covering `index` (e.g. Appender.awaitIntegrated) when durable entries wait
   * for one, so a follower beside its writer does not wait for the checkpoint interval.
   */
  sign?: (index: number) => Promise<unknown>;
}

export interface FollowedEntry {
  index: number;
  bytes: Uint8Array;
  /** Decoded entry (undefined when `decode: false`). */
  entry: Entry | undefined;
}

interface EntrySource {
  size(): Promise<number>;
  /** Durable entries not yet covered by a signed checkpoint (storage mode). */
  pending?(): number;
  read(from: number, to: number, size: number): Promise<Uint8Array[]>;
}

function storageSource(storage: EntryReader): EntrySource {
  return {
    size: async () => storage.size(),
    read: async (from, to) => storage.readEntries(from, to),
    ...(storage instanceof ProvenLog ? { pending: () => storage.pending() } : {}),
  };
}

function urlSource(url: string, vkey: string | undefined): EntrySource {
  const client = new LogClient(url);
  const verifiers = vkey ? [verifierFromKey(vkey)] : undefined;
  return {
    size: async () => {
      const note = await client.checkpoint().catch((e: unknown) => {
        if (e instanceof IlogError && e.code === 'NO_CHECKPOINT') return undefined;
        throw e;
      });
      if (note === undefined) return 0;
      return parseCheckpoint(verifiers ? openNote(note, verifiers).text : parseNote(note).text).size;
    },
    read: (from, to, size) => client.entries(from, to, size),
  };
}

/** Reads the cursor file: the next index to process, or undefined if there is none yet. */
async function readCursor(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = (() => {
    try {
      return JSON.parse(text) as { next?: unknown };
    } catch {
      return undefined;
    }
  })();
  const next = parsed?.next;
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0) {
    throw new IlogError('BAD_CURSOR', 'the follower cursor file is corrupt; fix or delete it (deleting replays from the start)', { file });
  }
  return next;
}

export class Follower implements AsyncIterable<FollowedEntry> {
  readonly #source: EntrySource;
  readonly #opts: FollowerOptions;
  readonly #pollMs: number;
  #stopped = false;
  #stop = new AbortController();
  /** Next index to yield. */
  #next = -1;
  /** Highest index yielded so far (commit may not go past it). */
  #yielded = -1;
  #committed = -1;
  #commitChain: Promise<void> = Promise.resolve();

  /** Follow a LogStorage (sequenced entries) or a log URL (published entries). */
  constructor(source: LogStorage | ProvenLog | string, opts: FollowerOptions = {}) {
    this.#source =
      typeof source === 'string' ? urlSource(source, opts.vkey) : storageSource(opts.trust === 'sequenced' ? source : ProvenLog.of(source));
    this.#opts = opts;
    this.#pollMs = Math.min(100, Math.max(1, opts.pollMs ?? 50));
    if (opts.from !== undefined && (!Number.isSafeInteger(opts.from) || opts.from < 0)) {
      throw new IlogError('BAD_RANGE', 'from must be a non-negative integer', { from: opts.from });
    }
  }

  /** The index the next iteration starts at (cursor, else `from`, else 0). */
  async position(): Promise<number> {
    if (this.#next < 0) {
      const cursor = this.#opts.cursorFile ? await readCursor(this.#opts.cursorFile) : undefined;
      this.#next = cursor ?? this.#opts.from ?? 0;
      this.#yielded = this.#next - 1;
      this.#committed = this.#next - 1;
    }
    return this.#next;
  }

  /**
   * Durably record that entries up to and including `index` are processed. Commits
   * are applied in call order; committing an index not yet yielded is an error.
   */
  commit(index: number): Promise<void> {
    if (!this.#opts.cursorFile) return Promise.reject(new IlogError('NO_CURSOR', 'commit needs a Follower created with cursorFile'));
    if (!Number.isSafeInteger(index) || index > this.#yielded) {
      return Promise.reject(new IlogError('BAD_COMMIT', 'cannot commit an entry that has not been yielded', { index, yielded: this.#yielded }));
    }
    const file = this.#opts.cursorFile;
    this.#commitChain = this.#commitChain.then(async () => {
      if (index <= this.#committed) return;
      writeFileDurable(file, JSON.stringify({ next: index + 1 }) + '\n');
      this.#committed = index;
    });
    return this.#commitChain;
  }

  #signing = false;

  /** Durable entries wait for a checkpoint: ask the writer to sign one (one request at a time). */
  #askToSign(provenSize: number): void {
    const sign = this.#opts.sign;
    const pending = this.#source.pending?.() ?? 0;
    if (!sign || this.#signing || pending === 0) return;
    this.#signing = true;
    void sign(provenSize + pending - 1)
      .catch(() => undefined)
      .finally(() => (this.#signing = false));
  }

  /** Ends iteration (a pending poll returns at once). */
  close(): void {
    this.#stopped = true;
    this.#stop.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<FollowedEntry> {
    await this.position();
    const batch = Math.max(1, this.#opts.batchSize ?? 1000);
    try {
      while (!this.#stopped) {
        const size = await this.#source.size();
        if (this.#next >= size) {
          this.#askToSign(size);
          await sleep(this.#pollMs, undefined, { signal: this.#stop.signal }).catch(() => undefined);
          continue;
        }
        const to = Math.min(size, this.#next + batch);
        const entries = await this.#source.read(this.#next, to, size);
        if (entries.length === 0) throw new IlogError('ENTRY_MISSING', 'the log reports entries it cannot read', { index: this.#next, size });
        for (const bytes of entries) {
          if (this.#stopped) return;
          const index = this.#next;
          const entry = this.#opts.decode === false ? undefined : decodeAt(bytes, index);
          this.#next++;
          this.#yielded = index;
          yield { index, bytes, entry };
        }
      }
    } finally {
      this.#stopped = true;
    }
  }
}

function decodeAt(bytes: Uint8Array, index: number): Entry {
  try {
    return decodeEntry(bytes);
  } catch (err) {
    if (err instanceof IlogError) throw new IlogError(err.code, `entry ${index}: ${err.message}`, { ...err.evidence, index });
    throw err;
  }
}

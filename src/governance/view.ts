// The governance state of a data directory: its log replayed through the
// PolicyMachine, kept current by polling the storage (every 50 ms by default,
// well inside the one-second budget for a lock to reach every proxy; every
// second while a PostgreSQL store's notifications wake it at each checkpoint). Only
// entries proven by a signed checkpoint are replayed (src/log/proven-log.ts).
import { openLogStorage } from '../storage/open-storage.js';
import type { LogStorage, NotifiedEntries } from '../storage/log-storage.js';
import { isIntegrityFailure, ProvenLog, type EntryReader } from '../log/proven-log.js';
import { openCheckpoint } from '../ledger/checkpoint.js';
import { verifierFromKey, type Signer } from '../ledger/note.js';
import { readLogSigner, readLogVkey } from '../log/appender-files.js';
import { loadSnapshot, saveSnapshot } from '../log/state-snapshot.js';
import { PolicyMachine, type GovernanceEvent } from './machine.js';
import type { Policy } from './policy.js';
import { advance } from './replay.js';

const SNAPSHOT = 'governance';

/**
 * How often a follower polls while the store's notifications flow (ms): only to catch what a
 * notification could not deliver. At every 50 ms, each poll a blocking round trip through the
 * PostgreSQL bridge, a poll started just before a lock's checkpoint held the event loop while
 * the notification waited, then read the entries the notification carried (docs/storage.md).
 */
export const LISTENING_POLL_MS = 1000;

/** The log key when this process may read it (a read-only command may not), else undefined. */
function readableSigner(dir: string): Signer | undefined {
  try {
    return readLogSigner(dir);
  } catch {
    return undefined;
  }
}

export interface ViewOpenOptions {
  /** Read through this open log (left open by close()) instead of opening `dir`'s. */
  storage?: LogStorage;
  /** Called with the policy at `size` when the opening replay passes that size. */
  pause?: { size: number; fn: (policy: Policy) => void };
}

export type EventListener = (e: GovernanceEvent) => void;

/** LogStorageReader.watchCheckpoints. */
type Watch = (listener: (note?: string, entries?: NotifiedEntries) => void, lost?: () => void) => () => void;

export class GovernanceView {
  readonly machine = new PolicyMachine();
  readonly #reader: EntryReader;
  readonly #close: () => void;
  readonly #listeners = new Set<EventListener>();
  readonly #brokenListeners = new Set<(e: unknown) => void>();
  #broken: unknown;
  #timer: NodeJS.Timeout | undefined;
  readonly #watch: Watch | undefined;
  #unwatch: (() => void) | undefined;

  /**
   * Replays `reader` (a proven one: see ProvenLog); `close` releases what it reads from;
   * `watch` (LogStorageReader.watchCheckpoints) wakes follow() when a checkpoint is stored,
   * handing the reader the note it carries and its entries (`offer`: taken only if the note opens
   * under the log key, the entries only once proven into it).
   */
  constructor(reader: EntryReader, close: () => void = () => {}, watch?: Watch) {
    this.#reader = reader;
    this.#close = close;
    this.#watch = watch;
  }

  /**
   * Opens the log of `dir` read-only and replays what its signed checkpoint
   * proves: from the signed policy snapshot (`<dir>/snapshots/governance.json`,
   * log/state-snapshot.ts) when it is sound, else from entry 0; then saves a new
   * snapshot at the checkpoint when this process can read the log key.
   */
  static open(dir: string, o: ViewOpenOptions = {}): GovernanceView {
    const storage = o.storage ?? openLogStorage(dir, { readonly: true });
    const release = o.storage ? () => {} : () => storage.close();
    const v = new GovernanceView(ProvenLog.forDir(dir, storage), release, storage.watchCheckpoints?.bind(storage));
    try {
      const verifier = verifierFromKey(readLogVkey(dir));
      const snap = loadSnapshot<Policy>(dir, SNAPSHOT, storage, verifier);
      if (snap && 'state' in snap) v.machine.restore(snap.state);
      const from = v.policy.size;
      // The opening replay stops once at `o.pause.size` if it passes it (store-check.ts compares governance.json there).
      if (o.pause && o.pause.size >= from && o.pause.size <= v.#reader.size()) {
        const reader = v.#reader;
        const at = o.pause.size;
        advance(v.machine, { size: () => at, readEntries: (a, b, l) => reader.readEntries(a, Math.min(b, at), l) });
        o.pause.fn(v.policy);
      }
      v.refresh();
      const checkpoint = storage.latestCheckpoint();
      if (checkpoint !== undefined && v.policy.size > from && openCheckpoint(checkpoint, [verifier]).checkpoint.size === v.policy.size) {
        const signer = readableSigner(dir);
        if (signer) saveSnapshot(dir, SNAPSHOT, checkpoint, verifier, signer, v.machine.snapshot());
      }
    } catch (e) {
      release();
      throw e;
    }
    return v;
  }

  /** The proven entries this view replays. */
  get log(): EntryReader {
    return this.#reader;
  }

  get policy(): Policy {
    return this.machine.policy;
  }

  /** Replays entries appended since the last call; listeners see their events. Returns how many were read. */
  refresh(): number {
    return advance(this.machine, this.#reader, (e) => {
      for (const l of this.#listeners) l(e);
    });
  }

  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether follow() keeps this view current (until stop() or an integrity failure). */
  get following(): boolean {
    return this.#timer !== undefined;
  }

  /** Called once if the log fails its integrity check while followed (the view stops there for good). */
  onBroken(listener: (e: unknown) => void): () => void {
    this.#brokenListeners.add(listener);
    return () => this.#brokenListeners.delete(listener);
  }

  /** The integrity failure that stopped this view, if any. */
  get broken(): unknown {
    return this.#broken;
  }

  /**
   * One poll: replays what is new. Errors go to `onError`; an integrity failure
   * (an entry the signed tree does not prove) also stops the view for good and
   * tells the onBroken listeners, so the components acting on it fail closed.
   */
  poll(onError: (e: unknown) => void = () => {}): void {
    if (this.#broken !== undefined) return;
    try {
      this.refresh();
    } catch (e) {
      if (isIntegrityFailure(e)) {
        this.#broken = e;
        this.stop();
        for (const l of this.#brokenListeners) l(e);
      }
      onError(e);
    }
  }

  /**
   * Polls for new entries until stop() or an integrity failure; errors go to `onError`.
   * Where the storage tells of new checkpoints (PostgreSQL's LISTEN/NOTIFY), each one
   * polls at once: a lock reaches the proxies without waiting up to `intervalMs`, and
   * without reading back the checkpoint (or the entries) the notification carried when
   * genuine. While notifications flow, the timer polls only every `listeningMs` (catching
   * what no notification delivered); once they stop (the connection dropped), every `intervalMs`.
   */
  follow(intervalMs = 50, onError: (e: unknown) => void = () => {}, listeningMs = LISTENING_POLL_MS): void {
    if (this.#timer) return;
    let listening = false;
    const tick = () => {
      clearTimeout(this.#timer);
      this.poll(onError);
      if (this.#broken !== undefined) return;
      this.#timer = setTimeout(tick, listening ? Math.max(intervalMs, listeningMs) : intervalMs);
      this.#timer.unref();
    };
    tick();
    if (this.#broken === undefined) {
      this.#unwatch = this.#watch?.(
        (note, entries) => {
          if (this.#timer === undefined) return;
          listening = true;
          if (note !== undefined) this.#reader.offer?.(note, entries);
          tick();
        },
        () => {
          listening = false;
          if (this.#timer !== undefined) tick();
        },
      );
    }
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unwatch?.();
    this.#unwatch = undefined;
  }

  close(): void {
    this.stop();
    this.#close();
  }
}

// The governance state of a data directory: its log replayed through the
// PolicyMachine, kept current by polling the storage (every 50 ms by default,
// well inside the one-second budget for a lock to reach every proxy).
import { SqliteLogStorage } from '../storage/sqlite/sqlite-storage.js';
import type { LogStorage } from '../storage/log-storage.js';
import { PolicyMachine, type GovernanceEvent } from './machine.js';
import type { Policy } from './policy.js';
import { advance } from './replay.js';

export type EventListener = (e: GovernanceEvent) => void;

export class GovernanceView {
  readonly machine = new PolicyMachine();
  readonly #storage: Pick<LogStorage, 'size' | 'readEntries' | 'close'>;
  readonly #listeners = new Set<EventListener>();
  #timer: NodeJS.Timeout | undefined;

  constructor(storage: Pick<LogStorage, 'size' | 'readEntries' | 'close'>) {
    this.#storage = storage;
  }

  /** Opens `<dir>/log.db` read-only and replays it. */
  static open(dir: string): GovernanceView {
    const v = new GovernanceView(SqliteLogStorage.open(dir, { readonly: true }));
    v.refresh();
    return v;
  }

  get policy(): Policy {
    return this.machine.policy;
  }

  /** Replays entries appended since the last call; listeners see their events. Returns how many were read. */
  refresh(): number {
    return advance(this.machine, this.#storage, (e) => {
      for (const l of this.#listeners) l(e);
    });
  }

  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Polls for new entries until stop(); errors go to `onError` (the poll keeps going). */
  follow(intervalMs = 50, onError: (e: unknown) => void = () => {}): void {
    if (this.#timer) return;
    const tick = () => {
      try {
        this.refresh();
      } catch (e) {
        onError(e);
      }
      this.#timer = setTimeout(tick, intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  close(): void {
    this.stop();
    this.#storage.close();
  }
}

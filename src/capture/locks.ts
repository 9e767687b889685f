// Who is locked out, as the log says. A `lock.set` entry locks a person at
// every proxy that follows the log, `lock.lifted` lifts it; `lockdown.set` /
// `lockdown.lifted` do the same for everyone. This simple form is written by
// `ilog lock` / `ilog unlock`; the governance area will later feed signed
// lock entries through the same LockState interface.

export interface LockInfo {
  /** Index of the entry that set the lock, when known. */
  index?: number;
  /** That entry's time (ISO 8601, as signed in the log), when known. */
  time?: string;
  reason?: string;
  /** True when a lockdown (everyone) rather than a personal lock. */
  lockdown?: boolean;
}

export interface LockState {
  /** The lock that applies to `person` now, or undefined. MUST be cheap: called before every statement. */
  isLocked(person: string): LockInfo | undefined;
  /** Calls `listener` whenever a lock starts to apply (person '*' for a lockdown). Returns an unsubscribe function. */
  onLock(listener: (person: string, info: LockInfo) => void): () => void;
}

export function lockSetEntry(person: string, reason?: string, by?: string): object {
  return { v: 1, kind: 'lock.set', time: new Date().toISOString(), person, ...(reason ? { reason } : {}), ...(by ? { by } : {}) };
}
export function lockLiftedEntry(person: string, reason?: string, by?: string): object {
  return { v: 1, kind: 'lock.lifted', time: new Date().toISOString(), person, ...(reason ? { reason } : {}), ...(by ? { by } : {}) };
}

/** LockState rebuilt by replaying lock entries in log order. */
export class ReplayedLocks implements LockState {
  #locked = new Map<string, LockInfo>();
  #lockdown: LockInfo | undefined;
  #listeners = new Set<(person: string, info: LockInfo) => void>();

  isLocked(person: string): LockInfo | undefined {
    return this.#lockdown ?? this.#locked.get(person);
  }

  onLock(listener: (person: string, info: LockInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Feeds one log entry; entries of other kinds are ignored. */
  apply(index: number, entry: { kind?: unknown; person?: unknown; reason?: unknown }): void {
    const reason = typeof entry.reason === 'string' ? entry.reason : undefined;
    if (entry.kind === 'lock.set' && typeof entry.person === 'string') {
      const info = { index, reason };
      this.#locked.set(entry.person, info);
      this.#emit(entry.person, info);
    } else if (entry.kind === 'lock.lifted' && typeof entry.person === 'string') this.#locked.delete(entry.person);
    else if (entry.kind === 'lockdown.set') {
      this.#lockdown = { index, reason, lockdown: true };
      this.#emit('*', this.#lockdown);
    } else if (entry.kind === 'lockdown.lifted') this.#lockdown = undefined;
  }

  #emit(person: string, info: LockInfo): void {
    for (const l of this.#listeners) l(person, info);
  }
}

// The proxy's LockState (src/capture/locks.ts) driven by the governance replay
// instead of raw entries: only a lock or lockdown signed by a current admin
// counts, only the quorum lifts one, and a lockdown lets through exactly the
// persons holding a live break-glass grant.
import type { LockInfo, LockState } from '../capture/locks.js';
import type { GovernanceEvent } from './machine.js';
import { grantActive, type Policy } from './policy.js';

export class GovernedLocks implements LockState {
  readonly #policy: Policy;
  readonly #now: () => number;
  readonly #listeners = new Set<(person: string, info: LockInfo) => void>();
  #sealed: LockInfo | undefined;

  /** `policy` is the live object a PolicyMachine updates; `now` is injectable for tests. */
  constructor(policy: Policy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
  }

  isLocked(person: string): LockInfo | undefined {
    if (this.#sealed) return this.#sealed;
    const lock = this.#policy.locks.get(person);
    if (lock) return { index: lock.madeBy.index, time: lock.madeBy.time, reason: lock.reason };
    const down = this.#policy.lockdown;
    if (!down || this.hasBreakGlass(person)) return undefined;
    return { index: down.madeBy.index, time: down.madeBy.time, reason: down.reason, lockdown: true };
  }

  /**
   * Fail closed when the policy can no longer be trusted (the log failed its
   * integrity check): everyone is refused and every live session ends, break-glass
   * included, until the process is restarted on a restored log.
   */
  seal(reason: string): void {
    if (this.#sealed) return;
    this.#sealed = { reason, lockdown: true };
    this.#emit('*', this.#sealed);
  }

  /** Whether `person` holds a break-glass grant that is live now. */
  hasBreakGlass(person: string): boolean {
    const now = this.#now();
    for (const g of this.#policy.grants.values()) if (g.person === person && grantActive(g, now)) return true;
    return false;
  }

  onLock(listener: (person: string, info: LockInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Feed every event of the machine; lock events reach the listeners (which end
   * live sessions). A lockdown is announced person by person rather than as '*',
   * so that sessions of persons holding a live break-glass grant survive it
   * (only governed persons can have sessions at all).
   */
  handle(event: GovernanceEvent): void {
    if (event.type === 'locked') this.#emit(event.person, this.isLocked(event.person)!);
    else if (event.type === 'lockdown') {
      for (const person of this.#policy.persons.keys()) {
        const info = this.isLocked(person);
        if (info) this.#emit(person, info);
      }
    }
  }

  #emit(person: string, info: LockInfo): void {
    for (const l of this.#listeners) l(person, info);
  }
}

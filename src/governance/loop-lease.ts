// Who runs the governance loop of a data directory. `ilog serve` and
// `ilog proxy` both may (a proxy-only deployment still needs break-glass
// expiry), but two loops at once sent every break-glass notice twice
// (issue #12). One owner at a time: the process holding an exclusive SQLite
// lock on `<dir>/governance-loop.lock`. The operating system releases the lock
// when its holder dies, even by kill -9, so the other process takes the loop
// over at its next tick; there is no PID file to go stale and no clock to trust.
import Database from 'better-sqlite3';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';

export const LOOP_LEASE_FILE = 'governance-loop.lock';

/**
 * Contract: at most one LoopLease over the same directory holds at any moment,
 * across threads and processes of one host (the data directory is local).
 * tryHold() never blocks; once it returned true the lease stays held until
 * release() or the death of the process.
 */
export class LoopLease {
  readonly #db: Database.Database;
  #held = false;

  constructor(dir: string) {
    const path = join(dir, LOOP_LEASE_FILE);
    // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting.
    this.#db = new Database(path, { timeout: 0 });
    chmodSync(path, 0o600);
  }

  get held(): boolean {
    return this.#held;
  }

  /** Takes the lease when nobody holds it; true when this process holds it now. */
  tryHold(): boolean {
    if (this.#held) return true;
    try {
      // An EXCLUSIVE transaction in the default rollback-journal mode holds the
      // file's exclusive lock until it ends: that lock is the lease.
      this.#db.exec('BEGIN EXCLUSIVE');
      this.#held = true;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    }
    return this.#held;
  }

  release(): void {
    if (this.#held) this.#db.exec('ROLLBACK');
    this.#held = false;
    this.#db.close();
  }
}

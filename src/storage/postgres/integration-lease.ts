// Which of the processes appending to one PostgreSQL store integrates in the
// background: the one holding a session advisory lock (`ilog integrator
// <schema>`) on a connection of its own. Without it every writer hashed and
// read back every entry and all but one lost the compare-and-swap on the tree
// row: with 4 writers, 34 of 47 steps lost and integration ran at 5,591
// entries/s against 19,375 appends/s (bench:storage). The lease only saves
// work: safety stays with integrate()'s compare-and-swap, so two holders (a
// connection that died without the holder noticing) cost a lost step, never a
// fork. PostgreSQL frees the lock the moment the holder's session ends, and the
// next writer to ask takes it (each asks on its poll, every 100 ms). A holder
// that is alive but not integrating (stalled, or its lease connection died
// unnoticed) only delays: the others integrate once the tree has stood still
// with entries waiting for `leaseStallMs` (integrator.ts, default 2 s).
import pg from 'pg';
import { parseStoreUrl } from './postgres-store.js';

export class IntegrationLease {
  readonly #connectionString: string;
  readonly #key: string;
  #client: pg.Client | undefined;
  #held = false;
  #asking: Promise<boolean> | undefined;
  #closed = false;

  constructor(url: string) {
    const { connectionString, schema } = parseStoreUrl(url);
    this.#connectionString = connectionString;
    this.#key = `ilog integrator ${schema}`;
  }

  /** Whether this process holds the lease, taking it if it is free. Never rejects (an unreachable store: false). */
  hold(): Promise<boolean> {
    if (this.#held) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    this.#asking ??= this.#ask().finally(() => (this.#asking = undefined));
    return this.#asking;
  }

  async #ask(): Promise<boolean> {
    try {
      if (!this.#client) {
        const c = new pg.Client({ connectionString: this.#connectionString, keepAlive: true, application_name: 'ilog integrator' });
        const drop = (): void => {
          if (this.#client !== c) return;
          this.#client = undefined;
          this.#held = false; // the session, and the lock with it, is gone
          void c.end().catch(() => {});
        };
        c.on('error', drop);
        c.on('end', drop);
        this.#client = c;
        await c.connect();
      }
      this.#held = (await this.#client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS got', [this.#key])).rows[0]?.got === true;
      return this.#held;
    } catch {
      const c = this.#client;
      this.#client = undefined;
      this.#held = false;
      void c?.end().catch(() => {});
      return false;
    }
  }

  /** Give the lease up (ends its session). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#held = false;
    await this.#asking;
    const c = this.#client;
    this.#client = undefined;
    await c?.end().catch(() => {});
  }
}

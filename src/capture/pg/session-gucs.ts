// ilog.purpose and search_path as a PostgreSQL session would hold them, by
// PostgreSQL's GUC rules (src/backend/utils/misc/guc.c, "transactional
// behaviour"): SET inside a transaction is undone when it rolls back, or when
// it rolls back to a savepoint taken before the SET; SET LOCAL lasts until the
// transaction ends either way; outside a transaction block SET LOCAL has no
// effect; RESET (and SET … TO DEFAULT) goes back to the session's reset value
// (the start-up option, else the built-in default) and is transactional like
// SET; RESET ALL and DISCARD ALL reset both. A transaction that failed ends in
// ROLLBACK even when the client says COMMIT.
import type { GucChange, Tracked } from './guc-change.js';

type Values = Map<Tracked, string | undefined>;

interface Level {
  /** Savepoint name; undefined for the transaction itself. */
  savepoint?: string;
  /** Session values and SET LOCAL overlay as they were when the level began. */
  session: Values;
  local: Values;
}

export class SessionGucs {
  readonly #reset: Values;
  #session: Values;
  #local: Values = new Map();
  #levels: Level[] = [];
  #failed = false;

  /** `reset` holds the reset values: the start-up options; a missing search_path means the server's default (unknown here). */
  constructor(reset: Partial<Record<Tracked, string>>) {
    this.#reset = new Map(Object.entries(reset) as [Tracked, string][]);
    this.#session = new Map(this.#reset);
  }

  get(name: Tracked): string | undefined {
    return this.#local.has(name) ? this.#local.get(name) : this.#session.get(name);
  }

  get purpose(): string | undefined {
    return this.get('ilog.purpose');
  }

  /** The search_path PostgreSQL would use now, or undefined when the proxy cannot know it (server or role default, set_config()). */
  get searchPath(): string | undefined {
    return this.get('search_path');
  }

  get inTransaction(): boolean {
    return this.#levels.length > 0;
  }

  /** The transaction failed upstream (an error inside the block): COMMIT will roll back. */
  markFailed(): void {
    if (this.inTransaction) this.#failed = true;
  }

  apply(c: GucChange): void {
    switch (c.t) {
      case 'set': {
        const value = c.value ?? this.#reset.get(c.name);
        if (c.local) {
          if (this.inTransaction) this.#local.set(c.name, value);
        } else {
          this.#session.set(c.name, value);
          this.#local.delete(c.name);
        }
        return;
      }
      case 'reset-all':
        for (const name of ['ilog.purpose', 'search_path'] as const) this.apply({ t: 'set', name, value: undefined, local: false });
        return;
      case 'unknown':
        // Followed like a SET to a value the proxy cannot know.
        this.#session.set(c.name, undefined);
        this.#local.delete(c.name);
        return;
      case 'begin':
        if (!this.inTransaction) this.#levels.push({ session: new Map(this.#session), local: new Map() });
        return;
      case 'commit':
        if (this.#failed) return this.apply({ t: 'rollback', chain: c.chain });
        this.#end(false, c.chain);
        return;
      case 'rollback':
        this.#end(true, c.chain);
        return;
      case 'savepoint':
        if (this.inTransaction) this.#levels.push({ savepoint: c.name, session: new Map(this.#session), local: new Map(this.#local) });
        return;
      case 'release': {
        const i = this.#find(c.name);
        if (i > 0) this.#levels.length = i;
        return;
      }
      case 'rollback-to': {
        const i = this.#find(c.name);
        if (i <= 0) return;
        const level = this.#levels[i]!;
        this.#session = new Map(level.session);
        this.#local = new Map(level.local);
        this.#levels.length = i + 1;
        this.#failed = false;
        return;
      }
      case 'discard-temp':
        return;
    }
  }

  /** The innermost savepoint with that name (PostgreSQL matches the most recent one). */
  #find(name: string): number {
    for (let i = this.#levels.length - 1; i > 0; i--) if (this.#levels[i]!.savepoint === name) return i;
    return -1;
  }

  #end(rollback: boolean, chain: boolean): void {
    const top = this.#levels[0];
    if (top && rollback) this.#session = new Map(top.session);
    this.#local = new Map();
    this.#levels = [];
    this.#failed = false;
    if (chain) this.apply({ t: 'begin' });
  }
}

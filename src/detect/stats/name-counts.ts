// A bounded map of names (tables, resource types, actions, purposes) to how
// often they were seen. When full, the least-seen name is forgotten so a person
// who touches thousands of temp tables cannot grow the detector's memory.
import { FifoSet } from '../../ledger/fifo-map.js';

export class NameCounts {
  readonly counts: Map<string, number>;
  /**
   * The names seen once, in the order they were added (a Set keeps it): the first of them is the
   * name a full map forgets, found without scanning. A map full of names seen once each new name
   * replaces (the common case: one-off tables) would otherwise scan the whole map per name.
   */
  readonly #once = new FifoSet<string>();

  constructor(readonly cap: number, entries?: [string, number][]) {
    this.counts = new Map(entries);
    for (const [n, k] of this.counts) if (k === 1) this.#once.add(n);
  }

  has(name: string): boolean {
    return this.counts.has(name);
  }

  get size(): number {
    return this.counts.size;
  }

  add(name: string): void {
    const c = this.counts.get(name);
    if (c !== undefined) {
      this.counts.set(name, c + 1);
      if (c === 1) this.#once.delete(name);
      return;
    }
    if (this.counts.size >= this.cap) this.#forget();
    this.counts.set(name, 1);
    this.#once.add(name);
  }

  /** Forgets the first least-seen name in insertion order. */
  #forget(): void {
    // No count is below 1: the first name seen once is the one (insertion order of the map and of #once agree).
    const first = this.#once.deleteOldest();
    if (first !== undefined) {
      this.counts.delete(first);
      return;
    }
    // Every name seen twice or more (a full collaborator list): scan, in insertion order, without an entry array per name.
    let least: string | undefined;
    let leastCount = Number.POSITIVE_INFINITY;
    this.counts.forEach((k, n) => {
      if (k < leastCount) {
        least = n;
        leastCount = k;
      }
    });
    if (least !== undefined) this.counts.delete(least);
  }

  toJSON(): [string, number][] {
    return [...this.counts];
  }
}

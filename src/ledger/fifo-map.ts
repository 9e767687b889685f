// A Map (and a Set) that can drop its oldest key — the one inserted longest ago,
// first in iteration order — in amortised O(1). The idiom
// `m.delete(m.keys().next().value)` costs time in proportion to the keys deleted
// before it: V8 leaves a hole for each deleted entry until the table is rebuilt, and
// every new iterator walks the holes from the start (2–3 µs per eviction at 4,096
// keys: most of the detector's time per access). One iterator kept for the
// collection's life walks them once: keys deleted ahead of it are skipped, keys
// added (or added again) are met at the end, and V8 carries the iterator across
// rebuilds.

/** The oldest key of a collection, found by an iterator kept across calls; deleted when taken. */
class Oldest<K> {
  #it: IterableIterator<K>;

  constructor(
    private readonly fresh: () => IterableIterator<K>,
    private readonly remove: (k: K) => unknown,
  ) {
    this.#it = fresh();
  }

  take(): K | undefined {
    let r = this.#it.next();
    if (r.done) {
      // A finished iterator stays finished, even once keys are added: start again from the first.
      this.#it = this.fresh();
      r = this.#it.next();
      if (r.done) return undefined;
    }
    this.remove(r.value);
    return r.value;
  }
}

export class FifoMap<K, V> extends Map<K, V> {
  readonly #oldest = new Oldest<K>(() => this.keys(), (k) => this.delete(k));

  /** Deletes the oldest key and returns it; undefined when the map is empty. */
  deleteOldest(): K | undefined {
    return this.#oldest.take();
  }
}

export class FifoSet<K> extends Set<K> {
  readonly #oldest = new Oldest<K>(() => this.values(), (k) => this.delete(k));

  /** Deletes the oldest value and returns it; undefined when the set is empty. */
  deleteOldest(): K | undefined {
    return this.#oldest.take();
  }
}

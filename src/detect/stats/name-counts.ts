// A bounded map of names (tables, resource types, actions, purposes) to how
// often they were seen. When full, the least-seen name is forgotten so a person
// who touches thousands of temp tables cannot grow the detector's memory.

export class NameCounts {
  readonly counts: Map<string, number>;

  constructor(readonly cap: number, entries?: [string, number][]) {
    this.counts = new Map(entries);
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
      return;
    }
    if (this.counts.size >= this.cap) {
      let least: string | undefined;
      let leastCount = Number.POSITIVE_INFINITY;
      // The first least-seen name in insertion order; no count is below 1, so the first 1 ends the scan.
      for (const [n, k] of this.counts)
        if (k < leastCount) {
          least = n;
          leastCount = k;
          if (k <= 1) break;
        }
      if (least !== undefined) this.counts.delete(least);
    }
    this.counts.set(name, 1);
  }

  toJSON(): [string, number][] {
    return [...this.counts];
  }
}

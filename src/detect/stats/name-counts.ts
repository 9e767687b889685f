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
      for (const [n, k] of this.counts) if (k < leastCount) [least, leastCount] = [n, k];
      if (least !== undefined) this.counts.delete(least);
    }
    this.counts.set(name, 1);
  }

  toJSON(): [string, number][] {
    return [...this.counts];
  }
}

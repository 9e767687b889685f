// "Did this team touch this record in the last N days?" — a ring of daily Bloom
// filters (one per day, N + 1 kept), so care context expires: a patient the ward
// looked after last month is not the ward's patient today. Memory is fixed by
// the bit count per day whatever the number of records.
import { BloomFilter } from './bloom.js';

export interface RecentKeysJSON {
  day: number | null;
  days: { size: number; bits: string }[];
}

export class RecentKeys {
  #day = Number.NaN;
  /** days[0] is today's filter, days[i] the one of i days ago. */
  #days: BloomFilter[];

  constructor(readonly keepDays: number, readonly bits: number, days?: BloomFilter[]) {
    this.#days = days ?? [new BloomFilter(bits)];
  }

  /** Move to `day`, dropping filters older than keepDays. */
  roll(day: number): void {
    if (this.#day === day) return;
    const gap = Number.isNaN(this.#day) ? 0 : Math.max(0, day - this.#day);
    this.#day = day;
    if (gap === 0) return;
    for (let i = 0; i < Math.min(gap, this.keepDays + 1); i++) this.#days.unshift(new BloomFilter(this.bits));
    this.#days.length = Math.min(this.#days.length, this.keepDays + 1);
  }

  add(key: string): void {
    this.#days[0]!.add(key);
  }

  has(key: string): boolean {
    return this.hasHashed(BloomFilter.hashes(key)); // every day's filter has the same size: hash once
  }

  /** `has` for a key hashed once with BloomFilter.hashes (to probe many teams' filters). */
  hasHashed(h: readonly [number, number]): boolean {
    for (const f of this.#days) if (f.hasHashed(h)) return true;
    return false;
  }

  toJSON(): RecentKeysJSON {
    return { day: Number.isNaN(this.#day) ? null : this.#day, days: this.#days.map((f) => f.toJSON()) };
  }

  static from(j: RecentKeysJSON, keepDays: number, bits: number): RecentKeys {
    const r = new RecentKeys(keepDays, bits, j.days.map((f) => BloomFilter.from(f)));
    r.#day = j.day ?? Number.NaN;
    return r;
  }
}

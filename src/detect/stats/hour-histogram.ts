// Hour-of-day activity histogram with bounded weight: 24 counters that are
// halved whenever their total passes `cap`, so recent months outweigh old ones
// and the numbers never grow without bound. Shares are smoothed with the two
// neighbouring hours (a person who starts at 07:00 is not "off hours" at 06:40).

export class HourHistogram {
  readonly counts: number[];
  total = 0;

  constructor(readonly cap = 4000, counts?: number[]) {
    this.counts = counts ? counts.slice(0, 24) : new Array<number>(24).fill(0);
    while (this.counts.length < 24) this.counts.push(0);
    this.total = this.counts.reduce((a, b) => a + b, 0);
  }

  add(hour: number): void {
    this.counts[hour] = (this.counts[hour] ?? 0) + 1;
    this.total++;
    if (this.total > this.cap) {
      for (let h = 0; h < 24; h++) this.counts[h] = (this.counts[h] ?? 0) / 2;
      this.total /= 2;
    }
  }

  /** Smoothed share of past activity in `hour` (0..1); weights 1 for the hour, 1/2 for each neighbour. */
  share(hour: number): number {
    if (this.total === 0) return 1;
    const c = (h: number) => this.counts[(h + 24) % 24] ?? 0;
    return (c(hour) + 0.5 * c(hour - 1) + 0.5 * c(hour + 1)) / (2 * this.total);
  }

  /** Hours holding at least `minShare` of the activity, as "07–16h" style text for reasons. */
  usualHours(minShare = 0.03): string {
    const hours: number[] = [];
    for (let h = 0; h < 24; h++) if ((this.counts[h] ?? 0) >= minShare * this.total) hours.push(h);
    if (hours.length === 0) return 'no regular hours yet';
    const runs: string[] = [];
    let start = hours[0]!;
    let prev = start;
    for (const h of [...hours.slice(1), -1]) {
      if (h === prev + 1) {
        prev = h;
        continue;
      }
      runs.push(start === prev ? `${pad(start)}h` : `${pad(start)}–${pad(prev)}h`);
      start = prev = h;
    }
    return runs.join(', ');
  }
}

const pad = (h: number) => String(h).padStart(2, '0');

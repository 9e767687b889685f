// The daily alert budget (src/detect/budget.ts): alerts per 1,000 active people
// per day stay within the configured budget, the highest risks get through, one
// case per person a day, backfilled findings never page.
import { describe, expect, it } from 'vitest';
import { AlertBudget } from '../../src/detect/budget.js';

/** A day with `n` cases scored `score(i)`; returns how many became alerts. */
function day(b: AlertBudget, d: number, people: number, n: number, score: (i: number) => number): number {
  b.roll(d, people);
  let alerts = 0;
  for (let i = 0; i < n; i++) if (b.decide(`p${d}-${i}`, score(i), true).alert) alerts++;
  return alerts;
}

describe('alert budget', () => {
  it('keeps a noisy organisation within the budget on average and on every day', () => {
    const b = new AlertBudget(5);
    let total = 0;
    for (let d = 0; d < 60; d++) {
      const n = day(b, d, 1000, 200, (i) => (i * 37 + d * 11) % 100);
      expect(n).toBeLessThanOrEqual(10); // twice the daily budget at most
      if (d >= 7) total += n;
    }
    expect(total / 53).toBeLessThanOrEqual(5);
    expect(total / 53).toBeGreaterThan(2); // and it is used, not starved
  });

  it('lets the strongest case of a day through although weaker ones came first', () => {
    const b = new AlertBudget(5);
    for (let d = 0; d < 10; d++) day(b, d, 1000, 300, (i) => (i * 53 + d) % 90);
    b.roll(10, 1000);
    for (let i = 0; i < 30; i++) b.decide(`early${i}`, 60 + (i % 20), true);
    expect(b.decide('insider', 97, true).alert).toBe(true);
  });

  it('one alert per person a day unless clearly stronger; backfill never alerts but still counts as history', () => {
    const b = new AlertBudget(50);
    b.roll(0, 1000);
    expect(b.decide('ann', 90, false)).toMatchObject({ alert: false });
    expect(b.decide('bob', 85, true).alert).toBe(true);
    expect(b.decide('bob', 90, true).alert).toBe(false);
    expect(b.decide('bob', 100, true).alert).toBe(true);
  });

  it('names how rare a score is in this organisation once it has history', () => {
    const b = new AlertBudget(5);
    for (let d = 0; d < 5; d++) day(b, d, 100, 10, (i) => i * 10);
    b.roll(5, 100);
    const common = b.decide('x', 10, true).rarity!;
    const rare = b.decide('y', 95, true).rarity!;
    expect(rare).toBeGreaterThan(common);
    expect(rare).toBe(500); // 5 days × 100 people, no case as high
  });

  it('survives a snapshot', () => {
    const b = new AlertBudget(5);
    for (let d = 0; d < 4; d++) day(b, d, 1000, 50, (i) => i * 2);
    const c = AlertBudget.from(JSON.parse(JSON.stringify(b.toJSON())), 5);
    expect(c.threshold()).toBe(b.threshold());
    expect(c.decide('z', 99, true)).toEqual(b.decide('z', 99, true));
  });
});

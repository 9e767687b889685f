// The daily alert budget (src/detect/budget.ts): alerts per 1,000 active people
// per day stay within the configured budget, the day's strongest cases get the
// slots whatever their order, one case per person a day, backfill never pages.
import { describe, expect, it } from 'vitest';
import { AlertBudget } from '../../src/detect/budget.js';
import type { Finding } from '../../src/detect/finding.js';

const finding = (subject: string, score: number, id = `${subject}:${score}`): Finding => ({
  id, rule: 'off-hours', subject, alsoConcerns: [], severity: 'medium', score, reasons: ['x'], entries: [1], time: '2026-03-02T10:00:00.000Z',
});

/** A day of `n` cases scored `score(i)`; returns the alerts raised during it and when it ended. */
function day(b: AlertBudget, d: number, people: number, n: number, score: (i: number) => number): Finding[] {
  const alerts = b.roll(d, people);
  for (let i = 0; i < n; i++) {
    const f = finding(`p${d}-${i}`, score(i));
    if (b.decide(f, true).alert) alerts.push(f);
  }
  return alerts;
}

describe('alert budget', () => {
  it('keeps a noisy organisation within the budget on average and on every day, and uses it', () => {
    const b = new AlertBudget(5);
    let total = 0;
    for (let d = 0; d < 60; d++) {
      const n = day(b, d, 1000, 200, (i) => (i * 37 + d * 11) % 100).length;
      expect(n).toBeLessThanOrEqual(10); // twice the daily budget at most
      if (d >= 7) total += n;
    }
    expect(total / 53).toBeLessThanOrEqual(5.01);
    expect(total / 53).toBeGreaterThan(3.5);
  });

  it('gives the slots to the strongest cases of the day although weaker ones came first', () => {
    const b = new AlertBudget(5); // 5 a day at 1,000 people
    for (let d = 0; d < 10; d++) day(b, d, 1000, 300, (i) => (i * 53 + d) % 70);
    b.roll(10, 1000);
    for (let i = 0; i < 40; i++) b.decide(finding(`early${i}`, 60 + (i % 25)), true);
    const strong = [87, 86, 85, 89, 88].map((s, i) => finding(`late${i}`, s));
    for (const f of strong) b.decide(f, true);
    const promoted = b.roll(11, 1000);
    expect(promoted.map((f) => f.subject).sort()).toEqual(['late0', 'late1', 'late2', 'late3', 'late4']);
    expect(promoted.every((f) => f.alert === true)).toBe(true);
  });

  it('alerts a sure finding at once; one alert per person a day unless clearly stronger; backfill never', () => {
    const b = new AlertBudget(50);
    for (let d = 0; d < 4; d++) day(b, d, 1000, 20, (i) => 40 + i);
    b.roll(4, 1000);
    expect(b.decide(finding('ann', 95), false).alert).toBe(false);
    expect(b.decide(finding('bob', 92), true).alert).toBe(true);
    expect(b.decide(finding('bob', 99), true).alert).toBe(false);
    b.decide(finding('cat', 85), true);
    expect(b.roll(5, 1000).map((f) => f.subject)).toEqual(['cat']); // held until the day ended
  });

  it("counts a person's case by the day of the access, not the day a finding is decided", () => {
    const b = new AlertBudget(5);
    const day0 = Math.floor(Date.parse('2026-03-02T00:00:00Z') / 86_400_000);
    for (let d = day0 - 10; d < day0; d++) day(b, d, 400, 50, (i) => (i * 53 + d) % 70);
    const at = (subject: string, score: number, time: string): Finding => ({ ...finding(subject, score, `${subject}:${time}`), time });
    b.roll(day0, 400); // 2 slots a day
    expect(b.decide(at('rita', 73, '2026-03-02T15:00:00.000Z'), true).alert).toBe(false); // held
    expect(b.roll(day0 + 1, 400).map((f) => f.subject)).toEqual(['rita']);
    // The next morning her evening look-ups of the day before are judged (their window closed): the same case,
    // not clearly stronger, so they do not take the slots of today's cases.
    b.decide(at('rita', 83, '2026-03-02T22:30:00.000Z'), true);
    b.decide(at('omar', 72, '2026-03-03T01:30:00.000Z'), true);
    expect(b.roll(day0 + 2, 400).map((f) => f.subject)).toEqual(['omar']);
    // A case of hers on another day is a case of its own (another rule: the same one would be her open case, below).
    b.decide({ ...at('rita', 70, '2026-03-04T09:00:00.000Z'), rule: 'bulk-read', rules: ['bulk-read'] }, true);
    expect(b.roll(day0 + 3, 400).map((f) => f.subject)).toEqual(['rita']);
  });

  it('alerts at once while it has no history, and lets a small organisation have one a day', () => {
    const b = new AlertBudget(5);
    b.roll(0, 20);
    expect(b.perDay).toBe(1);
    expect(b.decide(finding('ann', 82), true).alert).toBe(true);
    expect(b.decide(finding('bob', 85), true).alert).toBe(false); // the day's one slot is used
  });

  it('judges by the rules’ evidence while cold (no rarity is known yet), by the calibrated score once warm', () => {
    const cold = new AlertBudget(50);
    cold.roll(0, 1000);
    expect(cold.decide(finding('ann', 58), true, 80).alert).toBe(true); // a watch-listed look-up on day one: rarity unknown, evidence 80
    expect(cold.decide(finding('bob', 58), true, 60).alert).toBe(false);
    const warm = new AlertBudget(50);
    for (let d = 0; d < 4; d++) day(warm, d, 1000, 300, (i) => i % 70);
    warm.roll(4, 1000);
    warm.decide(finding('cat', 40), true, 95);
    expect(warm.roll(5, 1000).map((f) => f.subject)).not.toContain('cat'); // strong evidence, common here: not an alert
  });

  it('names how rare a score is in this organisation once it has history', () => {
    const b = new AlertBudget(5);
    for (let d = 0; d < 5; d++) day(b, d, 100, 10, (i) => i * 10);
    b.roll(5, 100);
    const common = b.decide(finding('x', 10), true).rarity!;
    const rare = b.decide(finding('y', 95), true).rarity!;
    expect(rare).toBeGreaterThan(common);
    expect(rare).toBe(500); // 5 days × 100 people, no case as high
  });

  it('survives a snapshot, held findings included', () => {
    const b = new AlertBudget(5);
    for (let d = 0; d < 4; d++) day(b, d, 1000, 50, (i) => 40 + i);
    b.roll(4, 1000);
    b.decide(finding('z', 85), true);
    const c = AlertBudget.from(JSON.parse(JSON.stringify(b.toJSON())), 5);
    expect(c.threshold()).toBe(b.threshold());
    expect(c.roll(5, 1000)).toEqual(b.roll(5, 1000));
  });

  it('an open case is not alerted again the next days for a finding that shares its rules, unless clearly stronger', () => {
    const b = new AlertBudget(5);
    const day0 = Math.floor(Date.parse('2026-03-02T00:00:00Z') / 86_400_000);
    for (let d = day0 - 10; d < day0; d++) day(b, d, 400, 50, (i) => (i * 53 + d) % 70);
    const on = (d: number, subject: string, score: number, rule: string): Finding => ({
      ...finding(subject, score, `${subject}:${rule}:${d}`), rule, rules: [rule], time: new Date((day0 + d) * 86_400_000 + 10 * 3_600_000).toISOString(),
    });
    b.roll(day0, 400); // 2 slots a day
    b.decide(on(0, 'sam', 80, 'slow-drip'), true, 80, ['slow-drip']);
    expect(b.roll(day0 + 1, 400).map((f) => f.subject)).toEqual(['sam']);
    // The drip goes on: the next day's finding names slow-drip through the day's pattern; omar's look-up is new.
    b.decide(on(1, 'sam', 78, 'foreign-record'), true, 78, ['foreign-record', 'slow-drip']);
    b.decide(on(1, 'omar', 70, 'foreign-record'), true, 70, ['foreign-record']);
    expect(b.roll(day0 + 2, 400).map((f) => f.subject)).toEqual(['omar']);
    // Something else about sam is a new case; so is the same thing, clearly stronger.
    b.decide(on(2, 'sam', 75, 'bulk-read'), true, 75, ['bulk-read']);
    expect(b.roll(day0 + 3, 400).map((f) => f.subject)).toEqual(['sam']);
    expect(b.decide(on(3, 'sam', 96, 'slow-drip'), true, 96, ['slow-drip']).alert).toBe(true);
    // The open cases survive a snapshot; more than seven days after the last alert the case is closed.
    const c = AlertBudget.from(JSON.parse(JSON.stringify(b.toJSON())), 5);
    c.roll(day0 + 4, 400);
    c.decide(on(4, 'sam', 80, 'slow-drip'), true, 80, ['slow-drip']);
    expect(c.roll(day0 + 5, 400)).toEqual([]);
    for (let d = 6; d <= 11; d++) c.roll(day0 + d, 400);
    c.decide(on(11, 'sam', 80, 'slow-drip'), true, 80, ['slow-drip']);
    expect(c.roll(day0 + 12, 400).map((f) => f.subject)).toEqual(['sam']);
  });
});

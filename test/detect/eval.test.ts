// A real check of detection quality on an organisation shape the detector was
// not tuned on (eval/evaluate.ts: HELD_OUT): general practice by personal
// panels, 200 people, 16 days, one instance of every misuse type, the context
// feeds on, alerts kept by the detector's own budget of 5 per 1,000 people per
// day. The thresholds pin what this seed achieves today (docs/detect.md has the
// full evaluation over shapes and seeds), so a regression in a rule, in the
// explanations or in the budget fails here.
import { describe, expect, it } from 'vitest';
import { dataset, evaluate, HELD_OUT, SHAPES } from '../../eval/evaluate.js';

describe('evaluation on a held-out shape', () => {
  it('keeps alerts within the budget and catches most misuse types in it', () => {
    expect(HELD_OUT).toContain('panel');
    const r = evaluate({ seed: 3, people: 200, days: 16, warmupDays: 6, perScenario: 1, budgetPer1000: 5, inject: true, cleanRun: false, shape: 'panel', context: true });
    expect(r.scenarios).toHaveLength(10);
    for (const s of r.scenarios) expect(s.instances, s.scenario).toBe(1);
    // The budget is a hard limit, and it is used.
    expect(r.alertsPerDayPer1000).toBeLessThanOrEqual(5);
    expect(r.alertsPerDayPer1000).toBeGreaterThan(2);
    // Every instance raised a finding; at least 8 of 10 types reached an alert within the budget.
    for (const s of r.scenarios) expect(s.raisedRecall, s.scenario).toBe(1);
    expect(r.scenarios.filter((s) => s.recall === 1).length).toBeGreaterThanOrEqual(8);
    // (with calibrated risk, on this seed: shared credentials scores 69 under the day's threshold of 80 and off-hours loses the
    // day's last slot; recon, missed before, is caught. Re-pinned after calibration, see docs/detect.md.)
    for (const must of ['curiosity-single', 'curiosity-colleague', 'slow-drip', 'bulk-export', 'recon', 'admin-self-grant']) expect(r.scenarios.find((s) => s.scenario === must)!.recall, must).toBe(1);
    expect(r.precision).toBeGreaterThan(0.6);
    // Every miss says why, with the score against the day's threshold when a finding was raised.
    for (const s of r.scenarios) {
      expect(s.why.map((m) => m.id)).toEqual(s.missed.map((m) => m.split(' ')[0]));
      for (const m of s.why) {
        expect(['budget', 'crowded', 'below', 'explained', 'silent']).toContain(m.cause);
        if (m.cause === 'budget' || m.cause === 'crowded') expect(m.score!).toBeGreaterThanOrEqual(m.threshold!);
        if (m.cause === 'below') expect(m.score!).toBeLessThan(m.threshold!);
      }
    }
  }, 300_000); // ~20 s on a quiet machine; minutes on a loaded shared one

  it('judges an instance whose entries run past the last midnight (a night shift of the last day)', () => {
    // services, seed 2: a receptionist's export on the night shift of day 20 lands at 01:33 on day 21. The detector
    // alerts on it (96); the evaluation's window of days 7-20 used to cut that alert off and count a miss.
    const o = { seed: 2, people: 300, days: 21, warmupDays: 7, perScenario: 1, budgetPer1000: 5, inject: true, shape: 'services' as const, context: true };
    const ds = dataset(o, true);
    for (const _ of ds.days());
    const spilled = ds.instances.filter((x) => x.days.some((d) => d >= o.days));
    expect(spilled.map((x) => x.scenario)).toEqual(['bulk-export']);
    const r = evaluate({ ...o, cleanRun: false });
    expect(r.scenarios.find((s) => s.scenario === 'bulk-export')!.detected).toBe(1);
  }, 300_000);

  it('puts the misuse instances of a run on distinct days, in every shape', () => {
    // Several insiders on one day would share its one or two alert slots: the budget, not the rules, would be measured.
    for (const shape of SHAPES)
      for (const seed of [1, 2]) {
        const ds = dataset({ seed, people: 200, days: 21, warmupDays: 7, perScenario: 1, budgetPer1000: 5, inject: true, shape, context: true }, true);
        const days = ds.instances.map((x) => x.day);
        expect(ds.instances.length, `${shape} ${seed}`).toBeGreaterThanOrEqual(9);
        expect(new Set(days).size, `${shape} ${seed}: ${days.join(',')}`).toBe(days.length);
      }
  });
});

// Calibrated risk (src/detect/calibration.ts): a signal is scored by how rare it
// is in this organisation — the person's own days, their role's, everyone's —
// so the same rule at the same strength ranks higher where it is rare; signals
// of different rules add; the learned counts survive snapshot and replay.
import { describe, expect, it } from 'vitest';
import { caseOf, learnSignals, rarityOf, TailCounts, type DayCase, type Levels } from '../../src/detect/calibration.js';
import { Detector, type DetectorSnapshot } from '../../src/detect/detector.js';
import type { Finding } from '../../src/detect/finding.js';
import type { Signal } from '../../src/detect/signals.js';
import { DAY, HOUR, T0, Stream, sql, view, type Entry } from './helpers.js';

const levels = (): Levels => ({ person: new TailCounts(240), role: new TailCounts(20_000), all: new TailCounts(200_000) });
const signal = (rule: Signal['rule'], strength: number): Signal => ({ rule, strength, reason: rule });

/** `days` person-days of one person; on the days `fires(d)` says, the rule fired at `strength`. */
function history(l: Levels, days: number, fires: (d: number) => boolean, rule: Signal['rule'] = 'off-hours', strength = 0.6): void {
  const cases: DayCase[] = [];
  for (let d = 0; d < days; d++) {
    l.person.newDay();
    l.role?.newDay();
    l.all.newDay();
    if (fires(d)) learnSignals(l, caseOf(cases, d), [signal(rule, strength)]);
  }
}

describe('rarity of a signal', () => {
  it('ranks a rule firing where it never does above the same rule at the same strength where it is routine', () => {
    const routine = levels();
    history(routine, 60, (d) => d % 3 === 0); // every third day
    const rare = levels();
    history(rare, 60, () => false);
    const a = rarityOf(routine, 'off-hours', 0.6);
    const b = rarityOf(rare, 'off-hours', 0.6);
    expect(a.p).toBeGreaterThan(0.2);
    expect(b.surprise).toBeGreaterThan(a.surprise + 1);
  });

  it('counts a person-day once per rule, by its strongest signal, and a stronger signal is rarer than a weaker one', () => {
    const l = levels();
    const cases: DayCase[] = [];
    for (let d = 0; d < 100; d++) {
      l.person.newDay();
      l.all.newDay();
      // Weak signals most days, several a day; a strong one on 2 days.
      if (d % 2 === 0) learnSignals(l, caseOf(cases, d), [signal('bulk-read', 0.3), signal('bulk-read', 0.35)]);
      if (d === 10 || d === 50) learnSignals(l, caseOf(cases, d), [signal('bulk-read', 0.9)]);
    }
    expect(l.person.tail('bulk-read', 0.3)).toBe(50); // the even days, each once (days 10 and 50 moved up, not added)
    expect(l.person.tail('bulk-read', 0.9)).toBe(2);
    expect(rarityOf(l, 'bulk-read', 0.9).surprise).toBeGreaterThan(rarityOf(l, 'bulk-read', 0.35).surprise + 1);
  });

  it('judges a newcomer by their peers: the role where the rule is routine gives it little weight', () => {
    const busyRole = levels();
    const quietRole = levels();
    for (let i = 0; i < 20; i++) {
      const p = new TailCounts(240);
      history({ ...busyRole, person: p }, 30, (d) => (d + i) % 4 === 0, 'first-access', 0.55);
      history({ ...quietRole, person: new TailCounts(240) }, 30, () => false, 'first-access', 0.55);
    }
    const newcomer = (l: Levels) => rarityOf({ ...l, person: new TailCounts(240) }, 'first-access', 0.55);
    expect(newcomer(quietRole).surprise).toBeGreaterThan(newcomer(busyRole).surprise + 1);
  });

  it('halves its counts past the cap (bounded memory) and keeps the rates', () => {
    const t = new TailCounts(100);
    const cases: DayCase[] = [];
    const l: Levels = { person: t, role: undefined, all: new TailCounts(1e9) };
    for (let d = 0; d < 1000; d++) {
      t.newDay();
      l.all.newDay();
      if (d % 10 === 0) learnSignals(l, caseOf(cases, d), [signal('recon', 0.7)]);
    }
    expect(t.days).toBeLessThanOrEqual(100);
    expect(t.tail('recon', 0.7) / t.days).toBeGreaterThan(0.05);
    expect(t.tail('recon', 0.7) / t.days).toBeLessThan(0.15);
    expect(cases.length).toBeLessThanOrEqual(2);
  });
});

/** Engineers meet tables nobody in their role touched every day (temporary tables); nurses never meet a new record type. */
function organisation(days: number): Entry[] {
  const out: Entry[] = [];
  for (let d = 0; d < days; d++) {
    const t = T0 + d * DAY + 9 * HOUR;
    for (let e = 0; e < 6; e++) {
      for (let i = 0; i < 8; i++) out.push(sql(`eng${e}`, t + e * 60_000 + i * 600_000, { kind: 'SELECT', text: 'SELECT * FROM jobs' }));
      if (d >= 6) out.push(sql(`eng${e}`, t + 5 * HOUR + e * 60_000, { kind: 'SELECT', text: 'SELECT 1' }, { relations: [`public.tmp_${d}_${e}`] }));
    }
    for (let n = 0; n < 6; n++) for (let i = 0; i < 8; i++) out.push(view(`nurse${n}`, t + n * 60_000 + i * 600_000, `p-${(d * 3 + i) % 40}`));
  }
  return out;
}

const warm = () => {
  const s = new Stream();
  s.push(...organisation(16));
  return s;
};

describe('calibrated findings', () => {
  it('ranks a nurse’s first record type above an engineer’s new table: the same rule and strength, rare in one role and routine in the other', () => {
    const s = warm();
    const at = T0 + 16 * DAY + 11 * HOUR;
    const [eng] = s.push(sql('eng0', at, { kind: 'SELECT', text: 'SELECT 1' }, { relations: ['public.tmp_new'] }));
    const [nurse] = s.push(view('nurse0', at + 60_000, 'e-1', { resource: { type: 'salary', ids: ['e-1'] } }));
    expect(eng?.rule).toBe('first-access');
    expect(nurse?.rule).toBe('first-access');
    expect(nurse!.reasons[0]).toMatch(/^never before touched salary records, nor has anyone in their role `nurse:cardiology` \(1 in [\d,]+ person-days here\)$/);
    expect(nurse!.risk!).toBeGreaterThan(eng!.risk! + 1);
    expect(nurse!.score).toBeGreaterThan(eng!.score);
    // Same evidence, same severity: only the rarity differs.
    expect(nurse!.severity).toBe(eng!.severity);
  });

  it('adds the surprises of the other rules that flagged the person that day (one case per person-day)', () => {
    const s = warm();
    const at = T0 + 16 * DAY + 11 * HOUR;
    const [first] = s.push(view('nurse1', at, 'e-1', { resource: { type: 'salary', ids: ['e-1'] } }));
    const [second] = s.push(view('nurse1', at + 60_000, 'p-1', { rows: 3000 }));
    expect(second?.rule).toBe('bulk-read');
    expect(second?.rules).toContain('pattern');
    expect(second!.reasons.join(' ')).toMatch(/also flagged today for: first-access \(1 in [\d,]+ person-days here\)/);
    expect(second!.risk!).toBeGreaterThan(first!.risk!);
  });

  it('rebuilds the same calibrated scores from a snapshot (through JSON) as a straight replay', () => {
    const at = T0 + 16 * DAY + 11 * HOUR;
    const all = [...organisation(16), view('nurse2', at, 'e-9', { resource: { type: 'salary', ids: ['e-9'] } }), sql('eng3', at, { kind: 'SELECT', text: 'SELECT 1' }, { relations: ['public.tmp_x'] })];
    const whole = new Detector();
    const straight: Finding[] = all.flatMap((e, i) => whole.observe(i, e));
    const cut = Math.floor(all.length * 0.6);
    const a = new Detector();
    const before = all.slice(0, cut).flatMap((e, i) => a.observe(i, e));
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as DetectorSnapshot;
    expect(snap.tails.days).toBeGreaterThan(0);
    const b = Detector.restore(snap);
    const after = all.slice(cut).flatMap((e, i) => b.observe(cut + i, e));
    expect([...before, ...after]).toEqual(straight);
    expect(straight.filter((f) => f.risk !== undefined && f.time >= new Date(T0 + 10 * DAY).toISOString()).length).toBeGreaterThan(5);
  });
});

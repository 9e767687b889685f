// The context signals learned from the log itself: a team's recent care
// relationship with a record, people working off-hours together, a colleague's
// own workstation, and how common a rule is in a role.
import { describe, expect, it } from 'vitest';
import { GroupState } from '../../src/detect/baseline.js';
import { parseDetectorConfig } from '../../src/detect/config.js';
import { calibrate } from '../../src/detect/rules/calibrate.js';
import { DAY, HOUR, T0, Stream, ordinaryWeeks, view } from './helpers.js';

const AFTER = T0 + 10 * DAY;

describe('team context (foreign-record)', () => {
  /** carol (oncology) works with p-onc every day; alice and bob are cardiology nurses. */
  function world(): Stream {
    const s = new Stream();
    ordinaryWeeks(s);
    for (let d = 0; d < 10; d++) s.push(view('carol', T0 + d * DAY + 10 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
    return s;
  }
  const glance = (s: Stream) => {
    s.push(view('alice', AFTER + 10 * HOUR, 'p-onc'));
    return s.push(view('alice', AFTER + 19 * HOUR, 'p-1')).filter((f) => f.rule === 'foreign-record');
  };

  it('does not flag a glance at a patient a doctor of the same department consulted on today', () => {
    const s = world();
    s.push(view('dave', AFTER + 9 * HOUR, 'p-onc', { role: 'doctor:cardiology' }));
    expect(glance(s)).toEqual([]);
  });

  it('flags it when the department’s contact with the patient is older than contextDays', () => {
    const s = world();
    s.push(view('dave', T0 + 5 * DAY, 'p-onc', { role: 'doctor:cardiology' }));
    const [f] = glance(s);
    expect(f?.subject).toBe('alice');
    expect(f?.reasons[0]).toContain('nobody in their team `cardiology` touched it in 3 days');
  });

  it('drops the glance when a doctor of the department touches the patient within the window', () => {
    const s = world();
    s.push(view('alice', AFTER + 10 * HOUR, 'p-onc'));
    s.push(view('dave', AFTER + 11 * HOUR, 'p-onc', { role: 'doctor:cardiology' }));
    expect(s.push(view('alice', AFTER + 19 * HOUR, 'p-1')).filter((f) => f.rule === 'foreign-record')).toEqual([]);
  });
});

/** Ten weekdays of 09:00-17:00 work for each person, each from their own desk. */
function desks(s: Stream, people: [string, string][], role = 'engineer'): void {
  for (let d = 0; d < 10; d++)
    for (let i = 0; i < 24; i++)
      for (const [who, address] of people)
        s.push(view(who, T0 + d * DAY + 9 * HOUR + i * 20 * 60_000, `r-${i % 8}`, { role, client: { address } }));
}

describe('off-hours together', () => {
  it('weakens a night session when others of the role are also working outside their hours (an incident)', () => {
    const s = new Stream();
    desks(s, [['erin', '10.0.1.1'], ['finn', '10.0.1.2'], ['gus', '10.0.1.3']]);
    const [first] = s.push(view('erin', AFTER + 1 * HOUR, 'r-1', { role: 'engineer', client: { address: '10.0.1.1' } }));
    const [second] = s.push(view('finn', AFTER + 1 * HOUR + 20 * 60_000, 'r-1', { role: 'engineer', client: { address: '10.0.1.2' } }));
    expect(first?.rule).toBe('off-hours');
    expect(second?.rule).toBe('off-hours');
    expect(second!.score).toBeLessThan(first!.score);
    expect(second?.reasons[0]).toContain('1 other in their role `engineer` also working off-hours');
    // Alone on another night: not weakened by company (only by off-hours having become a little commoner in the role).
    const [lone] = s.push(view('gus', AFTER + DAY + 1 * HOUR, 'r-1', { role: 'engineer', client: { address: '10.0.1.3' } }));
    expect(lone!.score).toBeGreaterThan(second!.score);
    expect(lone?.reasons[0]).not.toContain('also working off-hours');
  });
});

describe('colleague’s workstation (shared-credentials)', () => {
  it('flags an account used from another person’s own desk, naming them, and not a new unowned address', () => {
    const s = new Stream();
    desks(s, [['alice', '10.0.2.1'], ['bob', '10.0.2.2']], 'billing');
    const at = (min: number, address: string) => view('alice', AFTER + 10 * HOUR + min * 60_000, 'r-2', { role: 'billing', client: { address } });
    expect(s.push(at(0, '10.0.2.99'))).toEqual([]);
    const [f] = s.push(at(60, '10.0.2.2'));
    expect(f?.rule).toBe('shared-credentials');
    expect(f?.reasons[0]).toContain('the usual workstation of bob');
    expect(f?.alsoConcerns).toEqual(['bob']);
    // Used again and again from there: the signal grows and is raised again.
    const more = s.push(...[1, 2, 3, 4, 5].map((i) => at(60 + i * 5, '10.0.2.2')));
    expect(more.some((x) => x.rule === 'shared-credentials' && x.score > f!.score)).toBe(true);
  });
});

describe('calibration across rules', () => {
  it('scales a signal its rule raises for many person-days of the role, never a privilege fact', () => {
    const g = new GroupState(parseDetectorConfig({}));
    g.personDays = 1000;
    g.ruleCounts.purpose = 100;
    const [purpose, privilege] = calibrate(g, [
      { rule: 'purpose', strength: 0.6, reason: 'r' },
      { rule: 'privilege', strength: 0.95, reason: 'p' },
    ]);
    expect(purpose!.strength).toBeCloseTo(0.6 * Math.sqrt(0.01 / (101 / 1200)), 6);
    expect(purpose!.reason).toContain('common in their role');
    expect(privilege!.strength).toBe(0.95);
    const rare = calibrate(new GroupState(parseDetectorConfig({})), [{ rule: 'purpose', strength: 0.6, reason: 'r' }]);
    expect(rare[0]!.strength).toBe(0.6);
  });
});

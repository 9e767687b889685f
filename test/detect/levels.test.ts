// Two ways a detector tuned on a few organisations used to miss misuse in a new
// one, and what replaced them:
// - a person (or a whole low-volume role) still warming up raised nothing; now
//   they are judged by the level above: their role, then the organisation;
// - a team relationship explained any access of the team's members to the
//   subject, even when the team is related to most of what everyone opens (a
//   picking wave with the day's orders); now it explains only while its
//   coverage is specific (context-book.ts).
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, T0, Stream, ordinaryWeeks, reasonsOf, view } from './helpers.js';

const AFTER = T0 + 10 * DAY;
const MIN = 60_000;
const ctx = (body: object, t = T0) => ({ v: 1, kind: 'context.update', time: new Date(t).toISOString(), source: 'app:hr', ...body });
const invoice = (person: string, t: number, id: string, type = 'invoice') => view(person, t, id, { role: 'billing', source: 'app:finance', resource: { type, ids: [id] } });

/** Four billing clerks, ten days of about twenty invoices each: a role with a norm; nurses alice and bob besides. */
function billingOffice(s = new Stream()): Stream {
  ordinaryWeeks(s);
  for (let d = 0; d < 10; d++)
    for (const [m, clerk] of ['c1', 'c2', 'c3', 'c4'].entries())
      for (let i = 0; i < 20; i++) s.push(invoice(clerk, T0 + d * DAY + 9 * HOUR + i * 20 * MIN + m * 1000, `inv-${d}-${m}-${i}`));
  return s;
}

describe('a person still warming up is judged by the level above', () => {
  it('first access: a newcomer opening what nobody in their role opens is reported; what the role opens is not', () => {
    const s = billingOffice();
    const from = s.next;
    s.push(invoice('dave', AFTER + 9 * HOUR, 'inv-0-0-1'));
    expect(s.since(from, 'first-access')).toEqual([]);
    s.push(invoice('dave', AFTER + 9 * HOUR + MIN, 'n-1', 'clinical_note'));
    const [f] = s.since(from, 'first-access');
    expect(f?.subject).toBe('dave');
    expect(reasonsOf(s.since(from))).toContain('nor has anyone in their role `billing` (they are new: judged by the level above)');
  });

  it('a role too quiet to have a norm: its member is judged by the organisation', () => {
    const s = billingOffice();
    // An analyst's role has three accesses in all: no norm of its own.
    for (let d = 0; d < 3; d++) s.push(view('ann', T0 + d * 3 * DAY + 11 * HOUR, `p-${d}`, { role: 'analyst', resource: { type: 'segment', ids: [`seg-${d}`] } }));
    const from = s.next;
    s.push(view('ann', AFTER + 11 * HOUR, 'pm-1', { role: 'analyst', resource: { type: 'patient', ids: ['p-3'] } }));
    expect(s.since(from, 'first-access')).toEqual([]);
    s.push(view('ann', AFTER + 11 * HOUR + MIN, 'pm-1', { role: 'analyst', resource: { type: 'payment_method', ids: ['pm-1'] } }));
    expect(s.since(from, 'first-access')).toHaveLength(1);
    expect(reasonsOf(s.since(from))).toContain('nor has anyone in the organisation');
  });

  it('day volume: a newcomer touching far more records than their role’s members do in a day', () => {
    const s = billingOffice();
    const from = s.next;
    for (let i = 0; i < 300; i++) s.push(invoice('dave', AFTER + 9 * HOUR + i * 20_000, `inv-x-${i}`));
    const bulk = s.since(from, 'bulk-read');
    expect(bulk.length).toBeGreaterThan(0);
    expect(reasonsOf(bulk)).toMatch(/distinct records today, [\d.,]+× their role’s usual/);
  });
});

describe('team relationships are weighed by their coverage', () => {
  /** alice (team `wave` in the directory), bob and dan open p-0..p-59 every day, carol opens p-onc; then alice glances at p-onc. */
  function glanceWith(relationships: object[]): string[] {
    const s = new Stream();
    s.push(ctx({ people: [{ person: 'alice', team: 'wave' }], relationships }));
    ordinaryWeeks(s, 'alice', 10, 60);
    for (let d = 0; d < 10; d++) {
      s.push(view('carol', T0 + d * DAY + 10 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
      for (let i = 0; i < 60; i++) s.push(view('dan', T0 + d * DAY + 9 * HOUR + i * 8 * MIN, `p-${i}`, { role: 'nurse:neurology' }));
    }
    const from = s.next;
    s.push(view('alice', AFTER + 10 * HOUR, 'p-onc'));
    s.push(view('alice', AFTER + 19 * HOUR, 'p-1'));
    return s.since(from, 'foreign-record').flatMap((f) => f.reasons);
  }

  it('a specific team relationship explains the glance', () => {
    expect(glanceWith([{ team: 'wave', subject: 'p-onc', kind: 'picking-wave' }])).toEqual([]);
  });

  it('a team relationship with most of what others open explains nothing, and the reason says so', () => {
    const everything = ['p-onc', ...Array.from({ length: 60 }, (_, i) => `p-${i}`)].map((subject) => ({ team: 'wave', subject, kind: 'picking-wave' }));
    const reasons = glanceWith(everything);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.join(' ')).toMatch(/their team's picking-wave relationship covers \d+% of the subjects others open, so it explains nothing/);
  });
});

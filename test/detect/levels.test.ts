// Two ways a detector tuned on a few organisations used to miss misuse in a new
// one, and what replaced them:
// - a person (or a whole low-volume role) still warming up raised nothing; now
//   they are judged by the level above: their role, then the organisation;
// - a team relationship explained any access of the team's members to the
//   subject, even when the team is related to most of what everyone opens (a
//   picking wave with the day's orders); now it explains only while its
//   coverage is specific (context-book.ts).
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/detect/finding.js';
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

  /**
   * alice (team `desk`) works accounts her team's broad billing relationship takes in, her own (p-0..p-59) and,
   * every day, three that oncology nurses work on (she opens them and writes to them: cross-team work is her
   * habit). Then she glances at p-onc, which carol of oncology worked on yesterday.
   */
  function habitGlance(glancedWithin: boolean): Finding[] {
    const s = new Stream();
    const days = 20;
    const theirs = (d: number) => [0, 1, 2].map((k) => `q-${d}-${k}`);
    const subjects = [...Array.from({ length: 60 }, (_, i) => `p-${i}`), ...Array.from({ length: days }, (_, d) => theirs(d)).flat(), ...(glancedWithin ? ['p-onc'] : [])];
    s.push(ctx({ people: [{ person: 'alice', team: 'desk' }], relationships: subjects.map((subject) => ({ team: 'desk', subject, kind: 'billing-account' })) }));
    ordinaryWeeks(s, 'alice', days, 30);
    for (let d = 0; d < days; d++) {
      const day = T0 + d * DAY;
      for (const [k, q] of theirs(d).entries()) {
        s.push(view(`onc-${d}-${k}`, day + 8 * HOUR + k * MIN, q, { role: 'nurse:oncology' }));
        s.push(view('alice', day + 11 * HOUR + k * MIN, q), view('alice', day + 11 * HOUR + 30 * MIN + k * MIN, q, { action: 'update' }));
      }
      s.push(view('carol', day + 10 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
      for (let i = 0; i < 60; i++) s.push(view('dan', day + 9 * HOUR + i * 8 * MIN, `p-${i}`, { role: 'nurse:neurology' }));
    }
    const from = s.next;
    s.push(view('alice', T0 + days * DAY + 10 * HOUR, 'p-onc'));
    s.push(view('alice', T0 + days * DAY + 19 * HOUR, 'p-1'));
    return s.since(from, 'foreign-record');
  }

  it('a glance outside every relationship of someone whose work lies within them is not excused by their cross-team habit', () => {
    const outside = habitGlance(false);
    expect(outside).toHaveLength(1);
    expect(reasonsOf(outside)).toMatch(/no relationship of theirs or their team's takes the subject in, though \d+% of their work lies within one/);
    // The same glance at an account the broad relationship takes in is her routine cross-team work.
    const within = habitGlance(true);
    expect(reasonsOf(within)).not.toMatch(/takes the subject in/);
    expect(Math.max(0, ...within.map((f) => f.score))).toBeLessThan(outside[0]!.score);
  });

  it('a watch-listed record outside every relationship of the person and their team counts more, though a teammate touched it', () => {
    /**
     * alice and dora (team `desk`) work p-0..p-59, under a broad billing relationship unless `feed` is false; dora opens
     * p-vip on day 9, alice on day 10. The relationship takes p-vip in when `vipWithin`.
     */
    const glance = (vipWithin: boolean, feed = true, teammate = true): Finding[] => {
      const s = new Stream({ watchlist: [{ ids: ['p-vip'], label: 'VIP patient Q' }] });
      const subjects = [...Array.from({ length: 60 }, (_, i) => `p-${i}`), ...(vipWithin ? ['p-vip'] : [])];
      s.push(ctx({ people: ['alice', 'dora'].map((person) => ({ person, team: 'desk' })), relationships: feed ? subjects.map((subject) => ({ team: 'desk', subject, kind: 'billing-account' })) : [] }));
      ordinaryWeeks(s, 'alice', 10, 30);
      for (let d = 0; d < 10; d++) for (let i = 0; i < 80; i++) s.push(view('dan', T0 + d * DAY + 9 * HOUR + i * 6 * MIN, `p-${i % 60}`, { role: 'nurse:neurology' }));
      if (teammate) s.push(view('dora', T0 + 9 * DAY + 15 * HOUR, 'p-vip'));
      const from = s.next;
      s.push(view('alice', AFTER + 10 * HOUR, 'p-vip'));
      s.push(view('alice', AFTER + 19 * HOUR, 'p-1'));
      return s.since(from, 'watchlist').filter((f) => f.subject === 'alice');
    };
    expect(reasonsOf(glance(true))).toContain('accessed the watch-listed record of VIP patient Q (their team `desk` works with it)');
    const outside = glance(false);
    expect(reasonsOf(outside)).toContain("accessed the watch-listed record of VIP patient Q; no relationship of theirs or their team's takes the subject in, though their work almost always lies within one");
    // Without a feed the teammate's touch halves it; outside her assigned work it is stronger than a plain look-up (no feed, no teammate).
    expect(reasonsOf(glance(false, false))).toContain('(their team `desk` works with it)');
    const plain = glance(false, false, false);
    expect(reasonsOf(plain)).toContain('; no relationship, team or earlier work explains it');
    expect(outside[0]!.score).toBeGreaterThan(plain[0]!.score);
  });
});

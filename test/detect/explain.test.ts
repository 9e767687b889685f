// Explain first, score what is left: context feeds (relationships, directory,
// resources, sensitive subjects) and groups learned from the log explain
// accesses away; what nothing explains is reported with the explanations tried.
// Also the rules the issue fixed: reconnaissance, a never-seen address during a
// live session, bulk reads judged against the peers too.
import { describe, expect, it } from 'vitest';
import { Detector } from '../../src/detect/detector.js';
import { DAY, HOUR, T0, Stream, ordinaryWeeks, outcome, sql, view } from './helpers.js';

const AFTER = T0 + 10 * DAY;
const ctx = (body: object, t = T0) => ({ v: 1, kind: 'context.update', time: new Date(t).toISOString(), source: 'app:hr', ...body });

/** alice and bob (cardiology) with their usual patients; carol (oncology) works on p-onc daily. */
function world(s = new Stream()): Stream {
  ordinaryWeeks(s);
  for (let d = 0; d < 10; d++) s.push(view('carol', T0 + d * DAY + 10 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
  return s;
}
const glance = (s: Stream, id = 'p-onc') => {
  s.push(view('alice', AFTER + 10 * HOUR, id));
  return s.push(view('alice', AFTER + 19 * HOUR, 'p-1')).filter((f) => f.rule === 'foreign-record');
};

describe('context feeds', () => {
  it('a relationship of the person with the subject explains a glance that would otherwise be flagged', () => {
    expect(glance(world())).toHaveLength(1);
    const s = new Stream();
    s.push(ctx({ relationships: [{ person: 'alice', subject: 'p-onc', kind: 'consult', from: new Date(AFTER).toISOString(), to: new Date(AFTER + DAY).toISOString() }] }));
    expect(glance(world(s))).toEqual([]);
  });

  it('a relationship that ended long before explains nothing; the reason names what was tried', () => {
    const s = new Stream();
    s.push(ctx({ relationships: [{ person: 'alice', subject: 'p-onc', kind: 'consult', from: new Date(T0 - 60 * DAY).toISOString(), to: new Date(T0 - 40 * DAY).toISOString() }] }));
    const [f] = glance(world(s));
    expect(f?.reasons[0]).toContain('explanations tried: no consult relationship');
  });

  it('a team relationship explains it for the team the directory names', () => {
    const s = new Stream();
    s.push(ctx({ people: [{ person: 'alice', team: 'ward-7' }], relationships: [{ team: 'ward-7', subject: 'p-onc', kind: 'admission' }] }));
    expect(glance(world(s))).toEqual([]);
  });

  it('resources map to their subject: an invoice of a patient the person cares for is theirs', () => {
    const s = new Stream();
    s.push(ctx({ resources: [{ resource: 'inv-9', subject: 'p-onc' }], relationships: [{ person: 'alice', subject: 'p-onc', kind: 'care-team' }] }));
    world(s);
    // The invoice id alone would be unknown; mapped to p-onc it is explained.
    expect(glance(s, 'inv-9')).toEqual([]);
  });

  it('sensitive subjects from the feed are watched; a relationship explains the look, a stranger is reported', () => {
    const make = () => {
      const s = new Stream({ rules: { watchlist: { windowMinutes: 60 } } });
      s.push(ctx({ subjects: [{ subject: 'p-emp', employee: 'bob', relation: 'self', label: 'employee bob' }], relationships: [{ person: 'carol', subject: 'p-emp', kind: 'care-team' }] }));
      return world(s);
    };
    const s = make();
    s.push(view('carol', AFTER + 10 * HOUR, 'p-emp', { role: 'nurse:oncology' }));
    s.push(view('alice', AFTER + 10 * HOUR, 'p-emp'));
    const later = s.push(view('alice', AFTER + 12 * HOUR, 'p-1'), view('carol', AFTER + 12 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
    const watch = later.filter((f) => f.rule === 'watchlist');
    expect(watch.map((f) => f.subject)).toEqual(['alice']);
    expect(watch[0]!.alsoConcerns).toEqual(['bob']);
  });
});

describe('learned groups', () => {
  it('a regular collaborator working on the subject explains the look; a stranger does not', () => {
    // dave (no team in his role) works with carol on the same oncology patients, day after day, in time order.
    const s = new Stream();
    for (let d = 0; d < 10; d++) {
      for (let i = 0; i < 30; i++) {
        const t = T0 + d * DAY + 9 * HOUR + i * 16 * 60_000;
        const patient = `p-${(d * 7 + (i % 10)) % 60}`;
        s.push(view('alice', t, patient), view('bob', t + 1000, patient));
        if (i % 5 === 0) s.push(view('carol', t + 2000, `p-o${i % 4}`, { role: 'nurse:oncology' }), view('dave', t + 3000, `p-o${i % 4}`, { role: 'consultant' }));
        if (i === 3) s.push(view('carol', t + 4000, 'p-onc', { role: 'nurse:oncology' }));
      }
    }
    const looks = (person: string, role: string) => {
      s.push(view(person, AFTER + 10 * HOUR, 'p-onc', { role }));
      return s.push(view(person, AFTER + 19 * HOUR, 'p-1', { role })).filter((f) => f.rule === 'foreign-record' && f.subject === person);
    };
    expect(looks('dave', 'consultant')).toEqual([]);
    expect(looks('alice', 'nurse:cardiology')).toHaveLength(1);
  });
});

describe('reconnaissance', () => {
  it('flags an account touching many tables and catalogs once, far beyond its own days', () => {
    const s = new Stream();
    for (let d = 0; d < 8; d++)
      for (let i = 0; i < 10; i++) s.push(sql('erin', T0 + d * DAY + 10 * HOUR + i * 60_000, { kind: 'SelectStmt', text: 'SELECT 1' }, { relations: [i % 2 ? 'public.jobs' : 'public.job_runs'] }));
    const tables = ['pg_catalog.pg_class', 'pg_catalog.pg_namespace', 'pg_catalog.pg_attribute', 'information_schema.tables', ...Array.from({ length: 16 }, (_, i) => `public.t${i}`)];
    const found = s.push(...tables.map((r, i) => sql('erin', AFTER + 10 * HOUR + i * 10_000, { kind: 'SelectStmt', text: `SELECT * FROM ${r}` }, { relations: [r], purpose: 'maintenance' })));
    const recon = found.filter((f) => (f.rules ?? []).includes('recon'));
    expect(recon.length).toBeGreaterThanOrEqual(1);
    expect(recon[0]!.reasons.join(' ')).toMatch(/distinct tables today \(4 of them system catalogs, \d+ never touched before\)/);
  });

  it('flags a sweep of tables new to an account whose own days already span a dozen tables', () => {
    // 12 tables a day of its own: 19 more in one afternoon is 2.6× the usual breadth, under the 4× the count alone
    // needs; but 19 tables it never touched before, against ~0 new ones a day, is a map being drawn.
    const s = new Stream();
    const own = Array.from({ length: 12 }, (_, i) => `public.own${i}`);
    for (let d = 0; d < 8; d++) s.push(...own.map((r, i) => sql('erin', T0 + d * DAY + 10 * HOUR + i * 60_000, { kind: 'SelectStmt', text: `SELECT * FROM ${r} LIMIT 10` }, { relations: [r] })));
    const sweep = ['pg_catalog.pg_class', 'pg_catalog.pg_namespace', 'pg_catalog.pg_attribute', 'information_schema.tables', ...Array.from({ length: 15 }, (_, i) => `public.t${i}`)];
    const found = s.push(...[...own, ...sweep].map((r, i) => sql('erin', AFTER + 10 * HOUR + i * 10_000, { kind: 'SelectStmt', text: `SELECT * FROM ${r}` }, { relations: [r], purpose: 'maintenance' })));
    const recon = found.filter((f) => (f.rules ?? []).includes('recon'));
    expect(recon.length).toBeGreaterThanOrEqual(1);
    expect(recon[0]!.reasons.join(' ')).toMatch(/never touched before\); \d+× their usual of new ones/);
  });

  it('stays silent for an account that reads tables new to it every day (an analyst exploring)', () => {
    const s = new Stream();
    let n = 0;
    const day = (t0: number) => Array.from({ length: 10 }, (_, i) => `public.x${n++}`).map((r, i) => sql('ana', t0 + 10 * HOUR + i * 60_000, { kind: 'SelectStmt', text: `SELECT * FROM ${r} LIMIT 10` }, { relations: [r], role: 'analyst' }));
    for (let d = 0; d < 8; d++) s.push(...day(T0 + d * DAY));
    expect(s.push(...day(AFTER)).filter((f) => (f.rules ?? [f.rule]).includes('recon'))).toEqual([]);
  });

  it('stays silent for an account that sweeps many tables every day (a DBA)', () => {
    const s = new Stream();
    const tables = Array.from({ length: 20 }, (_, i) => `public.t${i}`);
    for (let d = 0; d < 9; d++) s.push(...tables.map((r, i) => sql('dba', T0 + d * DAY + 10 * HOUR + i * 10_000, { kind: 'VacuumStmt', text: `VACUUM ${r}` }, { relations: [r], role: 'dba' })));
    expect(s.push(...tables.map((r, i) => sql('dba', AFTER + 10 * HOUR + i * 10_000, { kind: 'VacuumStmt', text: `VACUUM ${r}` }, { relations: [r], role: 'dba' }))).filter((f) => f.rule === 'recon')).toEqual([]);
  });
});

describe('shared credentials: a never-seen address during the live session', () => {
  it('flags the account at a new address minutes after working from its usual one', () => {
    const s = new Stream();
    for (let d = 0; d < 8; d++) for (let i = 0; i < 10; i++) s.push(view('ann', T0 + d * DAY + 9 * HOUR + i * 30 * 60_000, `p-${i}`, { role: 'billing', client: { address: '10.0.0.5' } }));
    s.push(view('ann', AFTER + 9 * HOUR, 'p-1', { role: 'billing', client: { address: '10.0.0.5' } }));
    const f = s.push(view('ann', AFTER + 9 * HOUR + 4 * 60_000, 'p-2', { role: 'billing', client: { address: '10.9.9.9' } }));
    expect(f.map((x) => x.rule)).toContain('shared-credentials');
    expect(f.find((x) => x.rule === 'shared-credentials')!.reasons[0]).toContain('never used before');
  });
});

describe('bulk reads against the peers', () => {
  it('a read ordinary for the role is not bulk however quiet the person; an export far above both is', () => {
    const s = new Stream();
    let i = 0;
    const read = (who: string, t: number, rows: number) => {
      const a = s.next;
      s.push(sql(who, t, { kind: 'SelectStmt', text: 'SELECT * FROM public.invoices WHERE x = $1' }, { role: 'billing', relations: ['public.invoices'] }));
      return s.push(outcome(a, t + 10, rows));
    };
    for (let d = 0; d < 8; d++)
      for (let k = 0; k < 30; k++) {
        read('quiet', T0 + d * DAY + 9 * HOUR + k * 60_000, 1);
        for (const p of ['p1', 'p2', 'p3']) read(p, T0 + d * DAY + 9 * HOUR + k * 60_000 + ++i, k % 3 === 0 ? 40 : 2);
      }
    expect(read('quiet', AFTER + 10 * HOUR, 40).filter((f) => f.rule === 'bulk-read')).toEqual([]);
    expect(read('quiet', AFTER + 11 * HOUR, 50_000).map((f) => f.rule)).toContain('bulk-read');
  });

  it('a read is judged against reads of the same table: the whole of a table read a row at a time is bulk', () => {
    // An engineer reads reports of 20-500 rows from ops tables all day, and patients one row at a time. 1,800 rows of
    // patients is 80x their usual read overall (a weak signal), but 901x their usual read of patients.
    const s = new Stream();
    const read = (t: number, table: string, rows: number) => {
      const a = s.next;
      s.push(sql('eve', t, { kind: 'SelectStmt', text: `SELECT * FROM ${table} WHERE x = $1` }, { role: 'engineer', relations: [table] }));
      return s.push(outcome(a, t + 10, rows));
    };
    for (let d = 0; d < 8; d++)
      for (let k = 0; k < 30; k++) read(T0 + d * DAY + 9 * HOUR + k * 60_000, k % 6 === 0 ? 'public.patients' : 'public.jobs', k % 6 === 0 ? 1 : [20, 50, 100, 500][k % 4]!);
    const bulk = read(AFTER + 10 * HOUR, 'public.patients', 1_800).filter((f) => f.rule === 'bulk-read');
    expect(bulk).toHaveLength(1);
    expect(bulk[0]!.reasons.join(' ')).toMatch(/read 1,800 rows of public\.patients in one go, 901× their usual \(~1\)/);
    // The same read of the ops table they report from is not bulk.
    expect(read(AFTER + 11 * HOUR, 'public.jobs', 1_800).filter((f) => f.rule === 'bulk-read')).toEqual([]);
  });
});

describe('snapshot', () => {
  it('restores context, learned groups and the budget exactly', () => {
    const s = new Stream();
    s.push(ctx({ people: [{ person: 'alice', team: 'ward-7' }], relationships: [{ team: 'ward-7', subject: 'p-onc', kind: 'admission' }] }));
    world(s);
    const copy = new Stream(Detector.restore(s.detector.snapshot(), {}));
    copy.next = s.next;
    expect(glance(copy)).toEqual(glance(s));
    expect(copy.detector.snapshot()).toEqual(s.detector.snapshot());
  });
});

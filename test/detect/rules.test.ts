// Each rule fires on its scenario with a reason naming the facts, and stays
// quiet on a matching clean control.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, T0, Stream, ordinaryWeeks, outcome, reasonsOf, sql, view } from './helpers.js';

const AFTER = T0 + 10 * DAY; // the first day after the ordinary weeks

describe('watchlist', () => {
  const config = {
    watchlist: [
      { ids: ['p-vip'], label: 'VIP patient Q', allowed: ['carol'] },
      { ids: ['p-kid'], label: 'a relative of employee alice', related: ['alice'] },
      { ids: ['p-dan'], label: 'employee dan', related: ['dan'] },
    ],
  };

  it('flags a watch-listed record opened by someone outside its care team once its window passes, not the care team', () => {
    const s = new Stream(config);
    const glance = s.next;
    expect(s.push(view('alice', AFTER, 'p-vip'))).toEqual([]); // held open: does she go on to work with it?
    expect(s.push(view('carol', AFTER + 1000, 'p-vip', { role: 'nurse:oncology' }))).toEqual([]);
    const [f] = s.push(view('alice', AFTER + 3 * HOUR, 'p-1'));
    expect(f?.rule).toBe('watchlist');
    expect(f?.entries).toEqual([glance]);
    expect(f?.reasons[0]).toContain('accessed the watch-listed record of VIP patient Q');
    expect(f?.time).toBe(new Date(AFTER).toISOString());
    expect(s.since(glance).filter((x) => x.subject === 'carol')).toEqual([]);
  });

  it('reports a watch-listed record the person went on to work with (a ticket, a covered shift) lower', () => {
    const glance = (s: Stream, engage: boolean) => {
      s.push(view('alice', AFTER, 'p-vip'));
      if (engage) s.push(view('alice', AFTER + 40 * 60_000, 'p-vip', { action: 'update' }));
      return s.push(view('alice', AFTER + 3 * HOUR, 'p-1')).find((x) => x.rule === 'watchlist');
    };
    const lone = glance(new Stream(config), false);
    const worked = glance(new Stream(config), true);
    expect(worked!.score).toBeLessThan(lone!.score);
    expect(worked!.reasons[0]).toContain('then worked with it');
  });

  it('does not hold a watch-listed look-up whose stated purpose the policy rejects: it is reported at once', () => {
    const strict = { ...config, purposes: [{ match: { resourceTypes: ['patient'] }, pattern: '^treatment', label: 'a treatment purpose' }] };
    const s = new Stream(strict);
    const at = s.next;
    const found = s.push(view('alice', AFTER, 'p-vip', { purpose: 'curious' }));
    const f = found.find((x) => x.rules?.includes('watchlist'));
    expect(f?.entries).toContain(at);
    expect(f?.reasons.join(' ')).toContain('with a purpose the policy does not accept');
    // With an accepted purpose the same look-up is held open, as before.
    expect(new Stream(strict).push(view('alice', AFTER, 'p-vip')).filter((x) => x.rules?.includes('watchlist'))).toEqual([]);
  });

  it('flags a look-up of one’s own relative at once, at high severity, and names the colleague looked up', () => {
    const s = new Stream(config);
    const [own] = s.push(view('alice', AFTER, 'p-kid'));
    expect(own?.reasons[0]).toContain('personally related');
    expect(own?.severity).toBe('high');
    s.push(view('alice', AFTER + 60_000, 'p-dan'));
    const colleague = s.push(view('alice', AFTER + 4 * HOUR, 'p-other')).find((x) => x.rule === 'watchlist');
    expect(colleague?.alsoConcerns).toEqual(['dan']);
  });
});

describe('purpose', () => {
  const config = { purposes: [{ match: { resourceTypes: ['clinical_note'] }, pattern: '^treatment', label: 'a treatment purpose' }] };

  it('flags clinical notes read for a billing purpose or without a purpose; passes a treatment purpose', () => {
    const s = new Stream(config);
    const note = (purpose: string | undefined, t: number) => {
      const e = view('alice', t, 'p-1', { resource: { type: 'clinical_note', ids: ['p-1'] } });
      if (purpose === undefined) delete e.purpose;
      else e.purpose = purpose;
      return e;
    };
    expect(s.push(note('treatment', AFTER))).toEqual([]);
    const [wrong] = s.push(note('billing', AFTER + 1000));
    expect(wrong?.rule).toBe('purpose');
    expect(wrong?.reasons[0]).toContain('"billing"');
    const [missing] = s.push(view('bob', AFTER + 2000, 'p-2', { resource: { type: 'clinical_note', ids: ['p-2'] }, purpose: undefined }));
    expect(missing?.reasons[0]).toContain('without stating a purpose');
  });
});

describe('off-hours', () => {
  it('flags a 03:00 session of a 09-17 worker and not a 15:00 access', () => {
    const s = new Stream();
    ordinaryWeeks(s);
    const from = s.next;
    expect(s.push(view('alice', AFTER + 15 * HOUR, 'p-1'))).toEqual([]);
    const [f] = s.push(view('alice', AFTER + 3 * HOUR, 'p-2'));
    expect(f?.rule).toBe('off-hours');
    expect(f?.reasons[0]).toMatch(/active at 03:00, \d+ hours outside their usual hours \(09–16h/);
    expect(s.since(from, 'off-hours')).toHaveLength(1);
  });

  it('does not flag anything before the person is warm', () => {
    const s = new Stream();
    ordinaryWeeks(s, 'alice', 2);
    expect(s.push(view('alice', T0 + 2 * DAY + 3 * HOUR, 'p-2'))).toEqual([]);
  });
});

describe('bulk reads', () => {
  function engineer(s: Stream, days = 6) {
    for (let d = 0; d < days; d++)
      for (let i = 0; i < 8; i++) {
        const t = T0 + d * DAY + 10 * HOUR + i * 20 * 60_000;
        const [a] = [s.next];
        s.push(sql('erin', t, { kind: 'SelectStmt', text: 'SELECT * FROM public.jobs WHERE status = $1', values: ['x'] }));
        s.push(outcome(a!, t + 5, 15 + ((i * 7) % 20)));
      }
  }

  it('flags one read of 50,000 rows by someone who reads ~20, and not one of 30', () => {
    const s = new Stream();
    engineer(s);
    const t = T0 + 6 * DAY + 11 * HOUR;
    const a1 = s.next;
    s.push(sql('erin', t, { kind: 'SelectStmt', text: 'SELECT * FROM public.jobs' }));
    expect(s.push(outcome(a1, t + 5, 30))).toEqual([]);
    const a2 = s.next;
    s.push(sql('erin', t + 60_000, { kind: 'CopyStmt', text: 'COPY public.patients TO STDOUT' }, { action: 'copy_out', relations: ['public.patients'] }));
    const [f] = s.push(outcome(a2, t + 70_000, 50_000));
    expect(f?.rule).toBe('bulk-read');
    expect(f?.reasons[0]).toMatch(/read 50,000 rows in one go, \d[\d,]*× their usual/);
    expect(f?.entries).toEqual([a2, a2 + 1]);
  });

  it('flags a day with many times the usual distinct records, and not an ordinary day', () => {
    const s = new Stream();
    ordinaryWeeks(s);
    const from = s.next;
    for (let i = 0; i < 30; i++) s.push(view('alice', AFTER + 9 * HOUR + i * 60_000, `p-${i % 10}`));
    expect(s.since(from, 'bulk-read')).toEqual([]);
    for (let i = 0; i < 200; i++) s.push(view('alice', AFTER + DAY + 9 * HOUR + i * 60_000, `p-x${i}`));
    const [f] = s.since(from, 'bulk-read');
    expect(f?.reasons.join(' ')).toMatch(/touched \d+ distinct records today, [\d.]+× their usual \(~10 a day\)/);
  });

  it('flags a slow drip: a modest excess day after day that no single day shows', () => {
    const run = (extra: number) => {
      const s = new Stream();
      for (let d = 0; d < 20; d++)
        for (let i = 0; i < 10 + (d >= 10 ? extra : 0) + (d % 3); i++) s.push(view('alice', T0 + d * DAY + 9 * HOUR + i * 120_000, `p-${d}-${i}`));
      return s.since(0, 'slow-drip');
    };
    expect(run(0)).toEqual([]);
    const found = run(12);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.reasons.join(' ')).toContain('day after day');
  });
});

describe('first access', () => {
  it('flags a table type new to the person and their role after warm-up, not one they use', () => {
    const s = new Stream();
    ordinaryWeeks(s);
    expect(s.push(view('alice', AFTER + 10 * HOUR, 'p-1'))).toEqual([]);
    const [f] = s.push(view('alice', AFTER + 11 * HOUR, 'e-7', { resource: { type: 'salary', ids: ['e-7'] } }));
    expect(f?.rule).toBe('first-access');
    expect(f?.reasons[0]).toMatch(/^never before touched salary records, nor has anyone in their role `nurse:cardiology` \(1 in [\d,]+ person-days here\)$/);
  });

  it('weighs a record type a purpose policy protects above one it does not, both new to the role', () => {
    const firstLook = (type: string) => {
      const s = new Stream({ purposes: [{ match: { resourceTypes: ['clinical_note'] }, pattern: '.', label: 'any purpose' }] });
      ordinaryWeeks(s);
      return s.push(view('alice', AFTER + 11 * HOUR, 'n-7', { resource: { type, ids: ['n-7'] } })).find((f) => f.rule === 'first-access');
    };
    const guarded = firstLook('clinical_note');
    const scratch = firstLook('salary');
    expect(guarded?.reasons[0]).toMatch(/^never before touched clinical_note records \(which a purpose policy protects\), nor has anyone in their role/);
    expect(scratch?.reasons[0]).not.toContain('purpose policy');
    expect(guarded!.score).toBeGreaterThan(scratch!.score);
  });

  it('learns silently during warm-up', () => {
    const s = new Stream();
    ordinaryWeeks(s, 'alice', 1);
    expect(s.push(view('alice', T0 + DAY + 10 * HOUR, 'e-7', { resource: { type: 'salary', ids: ['e-7'] } }))).toEqual([]);
  });
});

describe('foreign record', () => {
  /** carol (oncology) works with p-onc for days; alice's ward never touched it. */
  function world(): Stream {
    const s = new Stream();
    ordinaryWeeks(s);
    for (let d = 0; d < 10; d++) s.push(view('carol', T0 + d * DAY + 10 * HOUR, 'p-onc', { role: 'nurse:oncology' }));
    return s;
  }

  it('raises a glance at another ward’s patient once its window passes without engagement', () => {
    const s = world();
    const glance = s.next;
    expect(s.push(view('alice', AFTER + 10 * HOUR, 'p-onc'))).toEqual([]);
    s.push(view('alice', AFTER + 10 * HOUR + 2 * 60_000, 'p-onc')); // a second look within minutes is still a glance
    const later = s.push(view('alice', AFTER + 19 * HOUR, 'p-1'));
    const f = later.find((x) => x.rule === 'foreign-record');
    expect(f?.entries).toEqual([glance]);
    expect(f?.reasons[0]).toContain('nobody in their team `cardiology` touched it in 3 days');
    expect(f?.time).toBe(new Date(AFTER + 10 * HOUR).toISOString());
  });

  it('covering another ward excuses glances at that ward’s records, not at a third ward’s', () => {
    const s = world();
    for (let d = 0; d < 10; d++) for (const p of ['p-s1', 'p-s2', 'p-sur']) s.push(view('dave', T0 + d * DAY + 11 * HOUR, p, { role: 'nurse:surgery' }));
    const from = s.next;
    // alice covers surgery today: she opens two of its patients and writes to them.
    for (const [i, p] of ['p-s1', 'p-s2'].entries()) {
      s.push(view('alice', AFTER + 9 * HOUR + i * HOUR, p));
      s.push(view('alice', AFTER + 9 * HOUR + i * HOUR + 10 * 60_000, p, { action: 'update' }));
    }
    const onc = s.next;
    s.push(view('alice', AFTER + 12 * HOUR, 'p-onc')); // oncology's patient: nothing to do with covering surgery
    const sur = s.next;
    s.push(view('alice', AFTER + 12 * HOUR + 60_000, 'p-sur')); // surgery's: part of the cover
    s.push(view('alice', AFTER + 22 * HOUR, 'p-1'));
    const found = s.since(from, 'foreign-record').filter((f) => f.subject === 'alice');
    expect(found.map((f) => f.entries)).toEqual([[onc]]);
    expect(found.flatMap((f) => f.entries)).not.toContain(sur);
  });

  it('drops it when the person comes back to the record later, or writes to it', () => {
    const s = world();
    const from = s.next;
    s.push(view('alice', AFTER + 10 * HOUR, 'p-onc'), view('alice', AFTER + 11 * HOUR, 'p-onc'));
    s.push(view('alice', AFTER + 12 * HOUR, 'p-onc2'));
    s.push(view('carol', AFTER + 12 * HOUR, 'p-onc2', { role: 'nurse:oncology' }));
    s.push(view('alice', AFTER + 12 * HOUR + 1000, 'p-onc3', { role: 'nurse:cardiology' }));
    s.push(view('alice', AFTER + 20 * HOUR, 'p-1'), view('alice', AFTER + 23 * HOUR, 'p-1'));
    // p-onc: returned after an hour; p-onc2/p-onc3 were never seen by others before (new records, not foreign).
    // (carol, still warming up, is judged by the organisation since 07462d4: her opening p-onc2 right after
    // alice may be a finding about carol; this test is about alice's glances.)
    expect(s.since(from, 'foreign-record').filter((f) => f.subject === 'alice')).toEqual([]);
  });
});

describe('shared credentials', () => {
  it('flags interleaved use from two addresses and cites both entries; a move between desks is quiet', () => {
    const s = new Stream();
    const at = (min: number) => AFTER + 10 * HOUR + min * 60_000;
    const a = (min: number, address: string) => view('alice', at(min), 'p-1', { client: { address } });
    expect(s.push(a(0, '10.0.0.1'), a(5, '10.0.0.1'), a(10, '10.0.0.2'), a(15, '10.0.0.2'))).toEqual([]);
    const other = s.next;
    s.push(a(20, '10.9.9.9'));
    const [f] = s.push(a(22, '10.0.0.2'));
    expect(f?.rule).toBe('shared-credentials');
    expect(f?.reasons[0]).toContain('10.0.0.2 and 10.9.9.9');
    expect(f?.entries).toEqual([other, other + 1]);
  });

  it('reports sustained interleaving with an unfamiliar address again, stronger, and a familiar second device stays low', () => {
    const at = (min: number) => AFTER + 10 * HOUR + min * 60_000;
    const a = (min: number, address: string) => view('alice', at(min), 'p-1', { client: { address } });
    // Someone at 10.9.9.9 works through alice's account beside her for an hour: eight switches.
    const shared = new Stream();
    const found = shared.push(...Array.from({ length: 8 }, (_, i) => [a(i * 8, '10.0.0.1'), a(i * 8 + 4, '10.9.9.9')]).flat()).filter((f) => f.rule === 'shared-credentials');
    expect(found.length).toBeGreaterThanOrEqual(2); // the first interleave, then again as it goes on
    expect(found.at(-1)!.score).toBeGreaterThan(found[0]!.score);
    expect(found.at(-1)!.reasons[0]).toMatch(/not one of their usual workstations; \d+ interleaved accesses today/);
    // The same pattern between two addresses she has used for days (a laptop beside the desktop) is one weak signal at most.
    const device = new Stream();
    for (let d = 1; d <= 4; d++) device.push(view('alice', AFTER - d * DAY + 9 * HOUR, 'p-1', { client: { address: '10.0.0.1' } }), view('alice', AFTER - d * DAY + 9 * HOUR + 60_000, 'p-1', { client: { address: '10.9.9.9' } }));
    const from = device.next;
    device.push(...Array.from({ length: 8 }, (_, i) => [a(i * 8, '10.0.0.1'), a(i * 8 + 4, '10.9.9.9')]).flat());
    const weak = device.since(from, 'shared-credentials');
    expect(weak.length).toBeLessThanOrEqual(1);
    for (const f of weak) expect(f.score).toBeLessThan(found.at(-1)!.score);
  });
});

describe('privilege changes', () => {
  const grant = (person: string, text: string, kind = 'GrantRoleStmt') =>
    sql(person, AFTER + 10 * HOUR, { kind, text }, { role: 'dba', action: 'grant', relations: [] });

  it('flags a self-grant high and a routine grant to others low', () => {
    const s = new Stream();
    const [self] = s.push(grant('ann', 'GRANT pg_read_all_data TO ann'));
    expect(self?.rule).toBe('privilege');
    expect(self?.severity).toBe('high');
    expect(self?.reasons[0]).toContain('granted privileges to themselves');
    const [alter] = s.push(sql('ann', AFTER + 11 * HOUR, { kind: 'AlterRoleStmt', text: 'ALTER ROLE ann WITH SUPERUSER' }, { role: 'dba', action: 'ddl', relations: [] }));
    expect(alter?.reasons[0]).toContain('themselves');
    const [routine] = s.push(grant('ann', 'GRANT SELECT ON public.invoices TO billing', 'GrantStmt'));
    expect(routine?.severity).toBe('low');
    expect(routine?.alsoConcerns).toEqual(['billing']);
  });

  it('flags a governance proposal and an approval that benefit their signer', () => {
    const s = new Stream();
    const sig = (name: string) => ({ signer: `${name}+01234567+AAAA`, sig: 'x' });
    const [proposal] = s.push({
      v: 1,
      kind: 'governance.proposal',
      time: new Date(AFTER).toISOString(),
      id: 'a'.repeat(64),
      signature: sig('ann'),
      changes: [{ op: 'person.update', person: 'ann', role: 'dba', base: 3 }],
    });
    expect(proposal?.subject).toBe('ann');
    expect(proposal?.reasons[0]).toContain('includes themselves');
    const [approval] = s.push({ v: 1, kind: 'governance.approval', time: new Date(AFTER + 1000).toISOString(), proposal: 'a'.repeat(64), signature: sig('ann') });
    expect(approval?.reasons[0]).toMatch(/^approved .* includes themselves/);
    expect(s.push({ v: 1, kind: 'governance.approval', time: new Date(AFTER + 2000).toISOString(), proposal: 'a'.repeat(64), signature: sig('bea') })[0]?.severity).toBe('low');
  });
});

describe('bypass', () => {
  it('turns every bypass.detected entry into a finding about the database user', () => {
    const s = new Stream();
    const [f] = s.push({ v: 1, kind: 'bypass.detected', time: new Date(AFTER).toISOString(), user: 'postgres', statement: { text: 'SELECT * FROM salaries' } });
    expect(f?.rule).toBe('bypass');
    expect(f?.subject).toBe('postgres');
    expect(reasonsOf([f!])).toContain('SELECT * FROM salaries');
  });
});

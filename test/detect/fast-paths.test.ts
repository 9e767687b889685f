// The detector's per-entry shortcuts must not change a single answer: the time
// parser equals Date.parse on every input, the Bloom filter's hash memo hands
// out the hashes it always computed (snapshots keep their bits), names come out
// the same text whether cached or not, a view's lists are shared, not copied, and
// learned groups answer as they did when each accessor was a pair.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LearnedGroups, type LearnedGroupsJSON } from '../../src/detect/context/learned-groups.js';
import { viewEntry, type AccessView } from '../../src/detect/entry-view.js';
import { parseTime } from '../../src/detect/iso-time.js';
import { accessNames } from '../../src/detect/rules/first-access.js';
import { BloomFilter } from '../../src/detect/stats/bloom.js';
import { Memo } from '../../src/detect/stats/memo.js';
import { NameCounts } from '../../src/detect/stats/name-counts.js';

let seed = 11;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

describe('parseTime', () => {
  it('equals Date.parse on toISOString() times over many centuries, leap days and day ends included', () => {
    const times = [Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(1900, 2, 1), -62167219200000, Date.UTC(9999, 11, 31, 23, 59, 59, 999), 0, -1];
    for (let i = 0; i < 20_000; i++) times.push(Math.floor((random() * 2 - 0.9) * 2.5e14)); // years -5160 to 10684 (outside 0–9999 toISOString writes ±YYYYYY: Date.parse reads those)
    for (let i = 0; i < 5_000; i++) times.push(Date.UTC(2026, 0, 1) + Math.floor(random() * 400 * 86_400_000));
    for (const t of times) {
      const text = new Date(t).toISOString();
      expect(parseTime(text), text).toBe(Date.parse(text));
      expect(parseTime(text), text).toBe(t);
    }
  });

  it('gives what Date.parse gives (a time or NaN) on forms it does not read itself and on broken text', () => {
    const odd = [
      '2026-02-29T00:00:00.000Z', // not a leap year: Date.parse rolls over
      '2026-04-31T00:00:00.000Z',
      '2026-12-31T24:00:00.000Z',
      '2026-03-02T23:60:00.000Z',
      '2026-03-02T23:59:60.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-13-10T00:00:00.000Z',
      '2026-03-00T00:00:00.000Z',
      '2026-03-02T05:25:26.506z',
      '2026-03-02 05:25:26.506Z',
      '2026-03-02T05:25:26Z',
      '2026-03-02T05:25:26.5Z',
      '2026-03-02T05:25:26.506+01:00',
      '+002026-03-02T05:25:26.506Z',
      '2026-0a-02T05:25:26.506Z',
      '2026-03-02T05:25:26.5-6Z',
      '２０２６-03-02T05:25:26.506Z',
      '2026-03-02',
      'yesterday',
      '',
    ];
    for (const text of odd) expect(Object.is(parseTime(text), Date.parse(text)), text).toBe(true);
  });

  it('equals Date.parse on 50,000 mutated times (one character replaced, inserted or removed)', () => {
    const alphabet = '0123456789-:.TZ+ tz/9';
    for (let i = 0; i < 50_000; i++) {
      const base = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 800 * 86_400_000)).toISOString();
      const at = Math.floor(random() * base.length);
      const c = alphabet[Math.floor(random() * alphabet.length)]!;
      const op = random();
      const text = op < 0.6 ? base.slice(0, at) + c + base.slice(at + 1) : op < 0.8 ? base.slice(0, at) + c + base.slice(at) : base.slice(0, at) + base.slice(at + 1);
      expect(Object.is(parseTime(text), Date.parse(text)), text).toBe(true);
    }
  });
});

describe('Bloom filter hashes', () => {
  it('are the hashes the filter always used (pinned: snapshots keep their bits)', () => {
    expect(BloomFilter.hashes('p-000788')).toEqual([4165925959, 765207851]);
    expect(BloomFilter.hashes('cust-0006139')).toEqual([1426896522, 696511599]);
    expect(BloomFilter.hashes('2c482eaa751b4294775aca93bf8e2962d4a619a6b49ba7a5fc46877061532e0c')).toEqual([1793926260, -632630039]);
    expect(BloomFilter.hashes('')).toEqual([2166136261, -1756908915]);
  });

  it('remembered or computed afresh, the same for any order of keys; the filter keeps its bits', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const fresh = new Map<string, readonly [number, number]>();
    for (const k of keys) {
      BloomFilter.hashes('evict-1');
      BloomFilter.hashes('evict-2'); // both remembered slots now hold other keys
      fresh.set(k, [...BloomFilter.hashes(k)] as [number, number]);
    }
    for (let i = 0; i < 5_000; i++) {
      const k = keys[Math.floor(random() * (random() < 0.5 ? 3 : keys.length))]!;
      // A string of the same text built anew (another object) hashes the same.
      const again = random() < 0.5 ? k : `k${k.slice(1)}`;
      expect(BloomFilter.hashes(again)).toEqual(fresh.get(k));
    }
    const b = new BloomFilter(1 << 12);
    for (let i = 0; i < 300; i++) b.add(`k${i}`);
    // SHA-256 of the bits the filter had before hashes were remembered (main, 215ae4a).
    expect(createHash('sha256').update(b.bits).digest('hex')).toBe('83e3b8cbc63e1078c6b8d01f3b4473941f65cdb732402e8a50b048320b8d9f90');
  });
});

describe('names', () => {
  it('a memoised name is the text prefix + value, the same object while memoised, and stays right past the bound', () => {
    const c = new Memo((v) => `table:${v}`, 8);
    const first = c.of('public.patients');
    expect(first).toBe('table:public.patients');
    expect(c.of('public.patients')).toBe(first);
    for (let i = 0; i < 100; i++) expect(c.of(`t${i % 13}`)).toBe(`table:t${i % 13}`);
    expect(c.of('public.patients')).toBe('table:public.patients');
  });

  it('accessNames lists tables, the type and the action as text', () => {
    const v = viewEntry({ v: 1, kind: 'access', time: '2026-03-02T05:25:26.506Z', person: 'p', action: 'SELECT', relations: ['public.a', 'public.b'], resource: { type: 'patient', ids: ['p-1'] } }) as AccessView;
    expect(accessNames(v)).toEqual(['table:public.a', 'table:public.b', 'type:patient', 'action:select']);
    expect(accessNames(v)).toEqual(accessNames(v));
  });
});

describe('access views', () => {
  it('read ids, values and times as before; lists are shared where nothing is added', () => {
    const app = viewEntry({ v: 1, kind: 'access', time: '2026-03-02T05:25:26.506Z', person: 'nurse1', action: 'view', resource: { type: 'chart', ids: ['p-1', '', 'p-2'] }, role: 'nurse' }) as AccessView;
    expect(app.time).toBe(Date.parse('2026-03-02T05:25:26.506Z'));
    expect(app.recordIds).toEqual(['p-1', 'p-2']);
    expect(app.keys).toEqual(['p-1', 'p-2']);
    expect(app.relations).toEqual([]);
    const sql = viewEntry({
      v: 1,
      kind: 'access',
      time: '2026-03-02T05:25:26.506Z',
      accessedAt: '2026-03-01T05:25:26+01:00',
      person: 'eng',
      action: 'select',
      relations: ['public.patients'],
      statement: { kind: 'SelectStmt', text: 'SELECT 1', values: ['h1', 'h2'] },
      resource: { type: 'patient', ids: ['p-9'] },
    }) as AccessView;
    expect(sql.time).toBe(Date.parse('2026-03-01T05:25:26+01:00'));
    expect(sql.loggedAt).toBe(Date.parse('2026-03-02T05:25:26.506Z'));
    expect(sql.recordIds).toEqual(['p-9']);
    expect(sql.keys).toEqual(['p-9', 'h1', 'h2']);
    expect(sql.statementKind).toBe('SELECT');
    expect(viewEntry({ v: 1, kind: 'access', time: '2026-03-02T24:00:01.000Z', person: 'x' })).toBeUndefined();
  });
});

describe('learned groups', () => {
  /** The learned groups as they were before their accessors became one flat array per subject (215ae4a), as the reference. */
  function reference(keepDays: number, maxSubjects: number) {
    const recent = new Map<string, [string, number][]>();
    // Collaborator counts are NameCounts as before (baseline.test.ts checks them against a full scan).
    const collab = new Map<string, NameCounts>();
    const add = (of: string, name: string) => {
      let m = collab.get(of);
      if (!m) collab.set(of, (m = new NameCounts(48)));
      m.add(name);
    };
    return {
      recent,
      collab,
      learn(person: string, subject: string, day: number) {
        let acc = recent.get(subject);
        if (!acc) {
          if (recent.size >= maxSubjects) recent.delete(recent.keys().next().value!);
          recent.set(subject, (acc = []));
        }
        const at = acc.findIndex(([q]) => q === person);
        if (at >= 0 && acc[at]![1] === day) return;
        for (const [q, d] of acc) {
          if (q === person || day - d > keepDays) continue;
          add(person, q);
          add(q, person);
        }
        if (at >= 0) acc.splice(at, 1);
        acc.push([person, day]);
        if (acc.length > 8) acc.shift();
      },
    };
  }

  it('learn, explainer and knows answer as the pairs did, through snapshot round trips', () => {
    const keepDays = 3;
    let g = new LearnedGroups(keepDays, 48);
    const ref = reference(keepDays, 48);
    let day = 0;
    const seen = { mates: 0, knows: 0, hubs: 0 };
    for (let i = 0; i < 20_000; i++) {
      if (random() < 0.002) day += 1 + Math.floor(random() * 4);
      // 70 people in 7 teams working mostly on their team's 6 subjects (collaborators form); people 0–3 float over
      // every team, a third of the accesses (their lists fill to 48 and forget: hubs); 54 subjects over 48 slots (forgotten).
      const pick = (): [string, string] => {
        const k = random() < 0.3 ? Math.floor(random() * 4) : 4 + Math.floor(random() * 66);
        const team = k < 4 || random() < 0.1 ? Math.floor(random() * 9) : k % 7;
        return [`p${k}`, `s${team}-${Math.floor(random() * 6)}`];
      };
      const [person, subject] = pick();
      const [q, s] = pick();
      const acc = ref.recent.get(s);
      const expectKnows = acc?.some(([x, d]) => x === q && d < day && day - d <= keepDays) ?? false;
      expect(g.knows(q, s, day)).toBe(expectKnows);
      const mine = ref.collab.get(q);
      let expectMate: string | undefined;
      if (acc && mine)
        for (let j = acc.length - 1; j >= 0 && expectMate === undefined; j--) {
          const [x, d] = acc[j]!;
          if (x !== q && day - d <= keepDays && (mine.counts.get(x) ?? 0) >= 3 && (ref.collab.get(x)?.size ?? 0) < 48) expectMate = x;
        }
      expect(g.explainer(q, s, day)).toBe(expectMate);
      if (expectMate !== undefined) seen.mates++;
      if (expectKnows) seen.knows++;
      if ((ref.collab.get(person)?.size ?? 0) >= 48) seen.hubs++;
      g.learn(person, subject, day);
      ref.learn(person, subject, day);
      if (i % 1_999 === 0) {
        const json = JSON.parse(JSON.stringify(g.toJSON())) as LearnedGroupsJSON;
        expect(json.recent).toEqual([...ref.recent]);
        expect(json.collab).toEqual([...ref.collab].map(([p, m]) => [p, m.toJSON()]));
        g = LearnedGroups.from(json, keepDays, 48);
      }
    }
    expect(seen.mates).toBeGreaterThan(100);
    expect(seen.knows).toBeGreaterThan(100);
    expect(seen.hubs).toBeGreaterThan(100);
  });
});

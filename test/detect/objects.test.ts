// `access.objects` (pgAudit reconciler): the detector judges a statement on the
// objects PostgreSQL really touched, e.g. the salary table behind a view the
// person reads every day.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, Stream, T0, sql } from './helpers.js';

describe('access.objects', () => {
  const usual = (t: number) => sql('erin', t, { kind: 'SelectStmt', text: 'SELECT * FROM public.staff_names' }, { relations: ['public.staff_names'] });

  it('flags a first access to a table behind a view that the access entry did not name', () => {
    const s = new Stream();
    for (let d = 0; d < 15; d++) for (let i = 0; i < 10; i++) s.push(usual(T0 + d * DAY + 10 * HOUR + i * 60_000));
    const at = T0 + 16 * DAY + 10 * HOUR;
    const access = s.next;
    expect(s.push(usual(at))).toEqual([]);
    const [f] = s.push({ v: 1, kind: 'access.objects', time: new Date(at + 500).toISOString(), access, server: 'db', objects: ['public.salaries', 'public.staff_names'], statement: 3, backend: { pid: 1, session: 'x' }, log: { file: 'f.csv', offset: 1 } });
    expect(f?.rule).toBe('first-access');
    expect(f?.subject).toBe('erin');
    expect(f?.reasons.join(' ')).toContain('public.salaries');
  });

  it('adds nothing when the server touched only what the entry named, or the entry is unknown', () => {
    const s = new Stream();
    for (let d = 0; d < 15; d++) for (let i = 0; i < 10; i++) s.push(usual(T0 + d * DAY + 10 * HOUR + i * 60_000));
    const at = T0 + 16 * DAY + 10 * HOUR;
    const access = s.next;
    s.push(usual(at));
    const objects = (a: number, o: string[]) => ({ v: 1, kind: 'access.objects', time: new Date(at + 500).toISOString(), access: a, server: 'db', objects: o, statement: 3, backend: { pid: 1, session: 'x' }, log: { file: 'f.csv', offset: 1 } });
    expect(s.push(objects(access, ['public.staff_names']))).toEqual([]);
    expect(s.push(objects(999_999, ['public.salaries']))).toEqual([]);
  });
});

// Clean traffic for any shape: each working person opens the subjects of their
// day's work list (views and writes through their app), engineers and DBAs work
// through the proxy, reporting roles run reports. The legitimate noise every
// organisation has is here too: early starts and late evenings, a day off
// worked, a one-off glance nobody follows up (a wrong click), covering a
// colleague's list, working an hour from a colleague's desk, night incidents.
import { appAccess, sqlAccess, type RawEvent } from '../emit.js';
import type { Rng } from '../rng.js';
import { DAY, HOUR, MIN, type ShapeOrg, type Worker } from './model.js';

export interface Shift {
  start: number;
  end: number;
}

export function shiftOf(p: Worker, day: number, rng: Rng): Shift | undefined {
  const works = p.workdays.has(day % 7);
  if (!works && !rng.chance(0.02)) return undefined;
  let start = day * DAY + p.shiftStart * HOUR + rng.normal(0, 12) * MIN;
  let end = start + p.shiftHours * HOUR;
  if (!works) end = start + rng.int(1, 3) * HOUR;
  if (rng.chance(0.05)) start -= rng.int(30, 120) * MIN;
  if (rng.chance(0.1)) end += rng.int(30, 150) * MIN;
  return { start, end };
}

export function timesIn(rng: Rng, s: Shift, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round(s.start + rng.next() * (s.end - s.start)));
  return out.sort((a, b) => a - b);
}

/** Where a person works at time t: a shared terminal (changing every 30-120 min) or their desk. */
export function placeFn(p: Worker, rng: Rng): (t: number) => string {
  if (!p.stations) return () => p.desk;
  let current = rng.pick(p.stations);
  let until = 0;
  return (t) => {
    if (t >= until) {
      current = rng.pick(p.stations!);
      until = t + rng.int(30, 120) * MIN;
    }
    return current;
  };
}

/** A person's work list on a day, the same for the clean generator and the misuse injector. */
export type WorkFor = (p: Worker, day: number) => string[];

export function cleanShapeDay(org: ShapeOrg, p: Worker, day: number, rng: Rng, out: RawEvent[], workFor: WorkFor): void {
  const s = shiftOf(p, day, rng);
  if (!s) return;
  const n = rng.poisson((p.rate * (s.end - s.start)) / HOUR);
  const ts = timesIn(rng, s, n);
  const first = out.length;
  if (p.kind === 'engineer') engineer(org, p, day, rng, ts, out);
  else if (p.kind === 'admin') admin(org, p, rng, ts, out);
  else front(org, p, day, rng, s, ts, out, workFor);
  // Hot-desking: an hour from a colleague's desk now and then.
  if (!p.stations && rng.chance(0.002)) {
    const mate = rng.pick(org.people.filter((x) => x.role === p.role && x !== p && !x.stations));
    const from = s.start + rng.next() * Math.max(0, s.end - s.start - HOUR);
    if (mate)
      for (let i = first; i < out.length; i++) {
        const e = out[i]!;
        const client = e.entry.client as { address: string } | undefined;
        if (e.entry.kind === 'access' && e.t >= from && e.t < from + HOUR && client) e.entry.client = { ...client, address: mate.desk };
      }
  }
}

function front(org: ShapeOrg, p: Worker, day: number, rng: Rng, s: Shift, ts: number[], out: RawEvent[], workFor: WorkFor): void {
  let list = workFor(p, day);
  // Covering a colleague of the team for the day: their list instead of one's own.
  if (rng.chance(0.02)) {
    const mate = rng.pick(org.people.filter((x) => x.team === p.team && x !== p && x.kind === 'front'));
    if (mate) list = workFor(mate, day);
  }
  if (list.length === 0) return;
  const place = placeFn(p, rng);
  // Work comes in order: each subject is opened a few times around its turn, then the next.
  ts.forEach((t, i) => {
    const subject = list[Math.min(list.length - 1, Math.floor((i / ts.length) * list.length + rng.normal(0, 0.6)))] ?? list[0]!;
    const write = rng.chance(p.writes);
    out.push(appAccess(t, p, { app: p.app, action: write ? 'update' : 'view', type: rng.pick(p.types), ids: [subject], purpose: p.purpose, address: place(t) }));
  });
  // A one-off glance nobody follows up: a wrong click, a misdialled account (legitimate, looks like curiosity).
  if (rng.chance(0.003) && ts.length > 0) {
    const t = ts[Math.floor(ts.length / 2)]! + MIN;
    out.push(appAccess(t, p, { app: p.app, action: 'view', type: p.types[0]!, ids: [rng.pick(org.subjects)], purpose: p.purpose, address: place(t) }));
  }
  if (org.reporters.has(p.role) && rng.chance(0.12)) {
    const big = rng.chance(0.2);
    const t = s.start + rng.next() * (s.end - s.start);
    const table = org.tables.ops[0]!;
    out.push(
      ...sqlAccess(t, p, {
        kind: 'SelectStmt', action: 'select', relations: [table], text: `SELECT * FROM ${table} WHERE created_at >= $1`,
        values: [`2026-0${rng.int(1, 3)}-01`], purpose: `${p.purpose}:report`, address: p.desk,
        rows: Math.round(big ? rng.logNormal(6000, 0.8) : rng.logNormal(250, 1)),
      }),
    );
  }
}

function engineer(org: ShapeOrg, p: Worker, day: number, rng: Rng, ts: number[], out: RawEvent[]): void {
  const favourites = rng.fork(p.name.length, p.desk.length).sample(org.tables.ops, Math.min(4, org.tables.ops.length));
  const all = [...ts];
  let purpose = `incident:INC-${rng.int(1000, 9999)}`;
  const night = org.incidents.get(day);
  if (night?.members.includes(p.name)) {
    purpose = night.id;
    const join = night.start + rng.int(0, 20) * MIN;
    for (let i = rng.int(3, 10); i > 0; i--) all.push(join + rng.int(0, 90) * MIN);
  }
  all.sort((a, b) => a - b);
  for (const t of all) {
    if (rng.chance(0.1)) {
      out.push(...sqlAccess(t, p, {
        kind: 'SelectStmt', action: 'select', relations: [org.tables.subjects], text: `SELECT * FROM ${org.tables.subjects} WHERE id = $1`,
        values: [rng.pick(org.subjects)], purpose: `debug:BUG-${rng.int(100, 999)}`, address: p.desk, rows: 1,
      }));
      continue;
    }
    const table = rng.chance(0.01) ? `public.tmp_${rng.int(1, 50)}` : rng.pick(favourites);
    out.push(...sqlAccess(t, p, {
      kind: 'SelectStmt', action: 'select', relations: [table], text: `SELECT * FROM ${table} WHERE status = $1 LIMIT $2`,
      values: [rng.pick(['failed', 'pending', 'done']), String(rng.pick([10, 50, 100]))],
      purpose: rng.chance(0.5) ? purpose : 'maintenance', address: p.desk, rows: Math.round(rng.logNormal(25, 1.1)),
    }));
  }
}

function admin(org: ShapeOrg, p: Worker, rng: Rng, ts: number[], out: RawEvent[]): void {
  for (const t of ts) {
    const table = rng.pick([...org.tables.ops, org.tables.subjects]);
    const r = rng.next();
    const stmt =
      r < 0.45
        ? { kind: 'SelectStmt', action: 'select', relations: ['pg_catalog.pg_stat_activity'], text: 'SELECT * FROM pg_catalog.pg_stat_activity WHERE state = $1', values: ['active'], rows: rng.int(5, 80) }
        : r < 0.6
          ? { kind: 'SelectStmt', action: 'select', relations: ['pg_catalog.pg_stat_user_tables', 'pg_catalog.pg_class'], text: 'SELECT relname, n_dead_tup FROM pg_catalog.pg_stat_user_tables JOIN pg_catalog.pg_class USING (relid)', values: [], rows: rng.int(20, 60) }
          : r < 0.85
            ? { kind: 'VacuumStmt', action: 'other', relations: [table], text: `VACUUM ANALYZE ${table}`, values: [], rows: 0 }
            : { kind: 'IndexStmt', action: 'ddl', relations: [table], text: `CREATE INDEX CONCURRENTLY ON ${table} (created_at)`, values: [], rows: 0 };
    out.push(...sqlAccess(t, p, { ...stmt, purpose: 'maintenance', address: p.desk }));
  }
}

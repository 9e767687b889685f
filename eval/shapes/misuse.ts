// Labelled misuse for any shape, done by one person on a day they work with the
// tools their job gives them (misuse differs in what and when, never in a field
// clean traffic does not use): curious look-ups of a neighbour (a subject others
// work on), a VIP or a colleague, a week-long slow drip, a bulk export, an
// off-hours session, out-of-role reads, a shared account, reconnaissance of the
// database by an engineer, an admin granting themselves privileges.
import { appAccess, sqlAccess, type RawEvent } from '../emit.js';
import type { Rng } from '../rng.js';
import type { Scenario } from '../scenarios.js';
import { DAY, HOUR, MIN, type ShapeOrg, type Worker } from './model.js';
import { placeFn, shiftOf, timesIn, type Shift } from './work.js';

export interface ShapeMisuseContext {
  org: ShapeOrg;
  rng: Rng;
  day: number;
  id: string;
  /** The clean generator's shift and work list of a person on a day (same random draws). */
  shift: (p: Worker, day: number) => Shift | undefined;
  work: (p: Worker, day: number) => string[];
}

type Made = { person: string; events: RawEvent[] } | undefined;

function actor(c: ShapeMisuseContext, ok: (p: Worker) => boolean): [Worker, Shift] | undefined {
  const candidates = c.org.people.filter(ok);
  for (let tries = 0; tries < 200 && candidates.length > 0; tries++) {
    const p = c.rng.pick(candidates);
    const s = c.shift(p, c.day);
    if (s && s.end - s.start >= 4 * HOUR) return [p, s];
  }
  return undefined;
}

const during = (rng: Rng, s: Shift) => Math.round(s.start + (0.15 + 0.7 * rng.next()) * (s.end - s.start));
const front = (p: Worker) => p.kind === 'front';

function views(c: ShapeMisuseContext, p: Worker, t0: number, ids: string[], spacingMin: number, address?: string): RawEvent[] {
  let t = t0;
  const place = placeFn(p, c.rng);
  return ids.map((id) => {
    t += c.rng.int(1, spacingMin) * MIN;
    return appAccess(t, p, { app: p.app, action: 'view', type: p.types[0]!, ids: [id], purpose: p.purpose, address: address ?? place(t) }, c.id);
  });
}

function sql(c: ShapeMisuseContext, p: Worker, t: number, relations: string[], text: string, rows: number, kind = 'SelectStmt', action = 'select', purpose = 'maintenance'): RawEvent[] {
  return sqlAccess(t, p, { kind, action, relations, text, values: [], purpose, address: p.desk, rows }, c.id);
}

const make: Record<Scenario, (c: ShapeMisuseContext) => Made> = {
  'curiosity-single'(c) {
    const a = actor(c, front);
    if (!a) return undefined;
    const [p, s] = a;
    const mine = new Set([0, 1, 2, 3].flatMap((k) => (c.day - k >= 0 ? c.work(p, c.day - k) : [])));
    for (let tries = 0; tries < 100; tries++) {
      const other = c.rng.pick(c.org.people.filter((x) => front(x) && x.team !== p.team));
      const theirs = c.work(other, c.day).filter((x) => !mine.has(x));
      if (theirs.length === 0) continue;
      const subject = c.rng.pick(theirs);
      return { person: p.name, events: views(c, p, during(c.rng, s), c.rng.chance(0.5) ? [subject] : [subject, subject], 3) };
    }
    return undefined;
  },
  'curiosity-vip'(c) {
    const vip = c.rng.pick(c.org.sensitive.filter((x) => x.relation === 'vip'));
    const a = actor(c, (p) => front(p) && !vip.allowed.includes(p.name));
    if (!a) return undefined;
    return { person: a[0].name, events: views(c, a[0], during(c.rng, a[1]), Array(c.rng.int(1, 3)).fill(vip.subject), 4) };
  },
  'curiosity-colleague'(c) {
    const items = c.org.sensitive.filter((x) => x.relation !== 'vip');
    for (let tries = 0; tries < 50; tries++) {
      const item = c.rng.pick(items);
      const related = c.org.people.find((x) => x.name === item.employee)!;
      const relatedShift = c.shift(related, c.day);
      // Own relative's record, or a colleague's: by someone whose work does not cover it.
      const a: [Worker, Shift] | undefined =
        item.relation === 'relative' && relatedShift && !item.allowed.includes(related.name) && tries < 25
          ? [related, relatedShift]
          : actor(c, (p) => front(p) && p.name !== item.employee && !item.allowed.includes(p.name));
      if (!a) continue;
      return { person: a[0].name, events: views(c, a[0], during(c.rng, a[1]), Array(c.rng.int(1, 2)).fill(item.subject), 3) };
    }
    return undefined;
  },
  'slow-drip'(c) {
    const a = actor(c, front);
    if (!a) return undefined;
    const [p] = a;
    const events: RawEvent[] = [];
    for (let d = c.day; d < c.day + 7; d++) {
      const s = c.shift(p, d);
      if (!s) continue;
      const usual = Math.max(4, new Set(c.work(p, d)).size);
      const place = placeFn(p, c.rng);
      for (const t of timesIn(c.rng, s, Math.round(usual * (1 + 0.6 * c.rng.next()))))
        events.push(appAccess(t, p, { app: p.app, action: 'view', type: p.types[0]!, ids: [c.rng.pick(c.org.subjects)], purpose: p.purpose, address: place(t) }, c.id));
    }
    return { person: p.name, events };
  },
  'bulk-export'(c) {
    const a = actor(c, (p) => p.kind !== 'admin');
    if (!a) return undefined;
    const [p, s] = a;
    const t = during(c.rng, s);
    if (p.kind === 'front') {
      const ids = c.rng.sample(c.org.subjects, c.rng.int(200, 500));
      return { person: p.name, events: [appAccess(t, p, { app: p.app, action: 'export', type: p.types[0]!, ids, purpose: p.purpose, address: p.desk }, c.id)] };
    }
    const table = c.org.tables.subjects;
    const copy = c.rng.chance(0.5);
    const text = copy ? `COPY ${table} TO STDOUT` : `SELECT * FROM ${table}`;
    return { person: p.name, events: sql(c, p, t, [table], text, c.org.subjects.length, copy ? 'CopyStmt' : 'SelectStmt', copy ? 'copy_out' : 'select', `debug:BUG-${c.rng.int(100, 999)}`) };
  },
  'off-hours'(c) {
    const a = actor(c, (p) => p.kind !== 'admin' && p.shiftStart >= 7 && p.shiftStart <= 10);
    if (!a) return undefined;
    const [p] = a;
    const t0 = c.day * DAY + c.rng.int(60, 240) * MIN;
    const n = c.rng.int(5, 15);
    if (p.kind === 'engineer')
      return { person: p.name, events: Array.from({ length: n }, (_, i) => sql(c, p, t0 + i * c.rng.int(2, 6) * MIN, [c.org.tables.ops[0]!], `SELECT * FROM ${c.org.tables.ops[0]} WHERE status = $1`, c.rng.int(5, 60))).flat() };
    const list = c.work(p, c.day);
    return { person: p.name, events: views(c, p, t0, c.rng.sample(list.length > 0 ? list : c.org.subjects, n), 6, p.desk) };
  },
  'out-of-role'(c) {
    const a = actor(c, (p) => p.kind !== 'admin');
    if (!a) return undefined;
    const [p, s] = a;
    const t0 = during(c.rng, s);
    const ids = c.rng.sample(c.org.subjects, c.rng.int(3, 8));
    const table = c.org.tables.sensitive;
    if (p.kind === 'engineer') return { person: p.name, events: ids.flatMap((_, i) => sql(c, p, t0 + i * 3 * MIN, [table], `SELECT * FROM ${table} WHERE subject_id = $1`, c.rng.int(1, 12))) };
    let t = t0;
    return {
      person: p.name,
      events: ids.map((id) => {
        t += c.rng.int(1, 5) * MIN;
        return appAccess(t, p, { app: p.app, action: 'view', type: c.org.restrictedType, ids: [id], purpose: p.purpose, address: p.desk }, c.id);
      }),
    };
  },
  'shared-credentials'(c) {
    const a = actor(c, (p) => p.kind !== 'admin' && !p.stations);
    if (!a) return undefined;
    const [p, s] = a;
    const borrower = c.rng.pick(c.org.people.filter((x) => x !== p && x.role === p.role));
    const t0 = during(c.rng, s);
    const n = c.rng.int(6, 14);
    const span = c.rng.int(30, 60) * MIN;
    const list = c.work(p, c.day);
    const at = (i: number) => t0 + Math.round((i * span) / n);
    if (p.kind === 'engineer')
      return { person: p.name, events: Array.from({ length: n }, (_, i) => sqlAccess(at(i), p, { kind: 'SelectStmt', action: 'select', relations: [c.org.tables.subjects], text: `SELECT * FROM ${c.org.tables.subjects} WHERE id = $1`, values: [c.rng.pick(c.org.subjects)], purpose: `debug:BUG-${c.rng.int(100, 999)}`, address: borrower.desk, rows: 1 }, c.id)).flat() };
    return {
      person: p.name,
      events: Array.from({ length: n }, (_, i) =>
        appAccess(at(i), p, { app: p.app, action: 'view', type: p.types[0]!, ids: [c.rng.pick(list.length > 0 ? list : c.org.subjects)], purpose: p.purpose, address: borrower.desk }, c.id),
      ),
    };
  },
  recon(c) {
    const a = actor(c, (p) => p.kind === 'engineer');
    if (!a) return undefined;
    const [p, s] = a;
    // A pg_dump-like sweep: the catalogs first, then every table read once, all "maintenance".
    const catalogs = ['pg_catalog.pg_namespace', 'pg_catalog.pg_class', 'pg_catalog.pg_attribute', 'pg_catalog.pg_type', 'pg_catalog.pg_constraint', 'pg_catalog.pg_index', 'pg_catalog.pg_roles', 'information_schema.tables', 'information_schema.columns'];
    const tables = [...c.org.tables.ops, c.org.tables.subjects, c.org.tables.sensitive, ...Array.from({ length: c.rng.int(6, 14) }, (_, i) => `public.t_${i + 1}`)];
    let t = during(c.rng, s);
    const events: RawEvent[] = [];
    for (const cat of catalogs) events.push(...sql(c, p, (t += c.rng.int(5, 40) * 1000), [cat], `SELECT * FROM ${cat}`, c.rng.int(50, 3000)));
    for (const table of tables) events.push(...sql(c, p, (t += c.rng.int(5, 60) * 1000), [table], `SELECT * FROM ${table} LIMIT $1`, c.rng.int(1, 100)));
    return { person: p.name, events };
  },
  'admin-self-grant'(c) {
    const a = actor(c, (p) => p.kind === 'admin');
    if (!a) return undefined;
    const [p, s] = a;
    const text = c.rng.chance(0.5) ? `GRANT pg_read_all_data TO ${p.name}` : `ALTER ROLE ${p.name} WITH SUPERUSER`;
    return { person: p.name, events: sql(c, p, during(c.rng, s), [], text, 0, text.startsWith('GRANT') ? 'GrantRoleStmt' : 'AlterRoleStmt', text.startsWith('GRANT') ? 'grant' : 'ddl') };
  },
};

export function makeShapeInstance(scenario: Scenario, c: ShapeMisuseContext): Made {
  return make[scenario](c);
}

export { shiftOf };

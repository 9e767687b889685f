// Labelled misuse scenarios injected into the clean traffic. Each instance is
// done by one person on a day they work, with the tools their job gives them,
// and labels every entry it adds (the ground truth the evaluation scores
// against). Nothing here uses a field clean traffic never uses: misuse differs
// in *what* and *when*, as in real life.
import { appAccess, sqlAccess, type RawEvent } from './emit.js';
import { DEPARTMENTS, type Dept, type Kind, type Org, type Person } from './org.js';
import type { Rng } from './rng.js';
import { DAY, HOUR, stationsOf, times, type Shift } from './traffic.js';

const MIN = 60_000;

export const SCENARIOS = [
  'curiosity-single',
  'curiosity-vip',
  'curiosity-colleague',
  'slow-drip',
  'bulk-export',
  'off-hours',
  'out-of-role',
  'shared-credentials',
  'recon',
  'admin-self-grant',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Instance {
  id: string;
  scenario: Scenario;
  person: string;
  day: number;
  entries: number[];
  /** Days on which its entries fall (a slow drip spans a week). */
  days: number[];
}

export interface ScenarioContext {
  org: Org;
  rng: Rng;
  day: number;
  id: string;
  /** The clean-traffic shift of a person on a day (same draws as the clean generator). */
  shift: (p: Person, day: number) => Shift | undefined;
}

interface Made {
  person: string;
  events: RawEvent[];
}

function actor(ctx: ScenarioContext, kinds: Kind[], ok: (p: Person, s: Shift) => boolean = () => true): [Person, Shift] | undefined {
  const candidates = ctx.org.people.filter((p) => kinds.includes(p.kind) && !p.float);
  for (let tries = 0; tries < 200; tries++) {
    const p = ctx.rng.pick(candidates);
    const s = ctx.shift(p, ctx.day);
    if (s && s.end - s.start >= 4 * HOUR && ok(p, s)) return [p, s];
  }
  return undefined;
}

/** A time well inside the shift. */
const during = (rng: Rng, s: Shift) => Math.round(s.start + (0.15 + 0.7 * rng.next()) * (s.end - s.start));
const appOf = (p: Person) => (p.kind === 'billing' ? 'billing' : p.kind === 'support' ? 'support' : 'ehr');
const purposeOf = (p: Person, rng: Rng) => (p.kind === 'billing' ? 'billing' : p.kind === 'support' ? `ticket:T${rng.int(100000, 999999)}` : 'treatment');
const typeOf = (p: Person) => (p.kind === 'billing' ? 'invoice' : p.kind === 'support' ? 'customer' : 'patient');

/** Where the person normally works from: nurses at their ward's shared stations, everyone else at their desk. */
const placeOf = (p: Person, rng: Rng) => (p.kind === 'nurse' ? rng.pick(stationsOf(p.dept!)) : p.desk);

function views(ctx: ScenarioContext, p: Person, t0: number, ids: string[], spacingMin: number, address = placeOf(p, ctx.rng)): RawEvent[] {
  let t = t0;
  return ids.map((id) => {
    t += ctx.rng.int(1, spacingMin) * MIN;
    return appAccess(t, p, { app: appOf(p), action: 'view', type: typeOf(p), ids: [id], purpose: purposeOf(p, ctx.rng), address }, ctx.id);
  });
}

/** A patient of another ward, in a stay that began days ago (others have been working with the record). */
function foreignPatient(ctx: ScenarioContext, dept: Dept | undefined): string | undefined {
  const earlier = ctx.org.active[ctx.day - 3];
  for (let tries = 0; tries < 50; tries++) {
    const other = ctx.rng.pick(DEPARTMENTS.filter((d) => d !== dept));
    const before = new Set(earlier?.get(other) ?? []);
    const now = (ctx.org.active[ctx.day]!.get(other) ?? []).filter((x) => before.has(x));
    if (now.length > 0) return ctx.rng.pick(now);
  }
  return undefined;
}

const make: Record<Scenario, (ctx: ScenarioContext) => Made | undefined> = {
  'curiosity-single'(ctx) {
    const a = actor(ctx, ['nurse', 'doctor']);
    if (!a) return undefined;
    const [p, s] = a;
    const patient = foreignPatient(ctx, p.dept);
    if (!patient) return undefined;
    const ids = ctx.rng.chance(0.5) ? [patient] : [patient, patient];
    return { person: p.name, events: views(ctx, p, during(ctx.rng, s), ids, 3) };
  },
  'curiosity-vip'(ctx) {
    const vip = ctx.rng.pick(ctx.org.watch.filter((w) => w.related.length === 0));
    const a = actor(ctx, ['nurse', 'doctor', 'support', 'billing'], (p) => !vip.allowed.includes(p.name));
    if (!a) return undefined;
    const [p, s] = a;
    return { person: p.name, events: views(ctx, p, during(ctx.rng, s), Array(ctx.rng.int(1, 3)).fill(vip.ids[0]!), 4) };
  },
  'curiosity-colleague'(ctx) {
    const family = ctx.rng.chance(0.5);
    const items = ctx.org.colleaguePatients.filter((c) => c.family === family);
    for (let tries = 0; tries < 50; tries++) {
      const c = ctx.rng.pick(items);
      const w = ctx.org.watch.find((x) => x.ids[0] === c.patient)!;
      const related = ctx.org.byName.get(c.employee)!;
      const relatedShift = ctx.shift(related, ctx.day);
      const a: [Person, Shift] | undefined =
        family && ['nurse', 'doctor', 'support'].includes(related.kind) && relatedShift && !w.allowed.includes(related.name)
          ? [related, relatedShift]
          : actor(ctx, ['nurse', 'doctor', 'support'], (p) => p.name !== c.employee && !w.allowed.includes(p.name));
      if (!a || (family && a[0] !== related && tries < 49)) continue;
      return { person: a[0].name, events: views(ctx, a[0], during(ctx.rng, a[1]), Array(ctx.rng.int(1, 2)).fill(c.patient), 3) };
    }
    return undefined;
  },
  'slow-drip'(ctx) {
    const a = actor(ctx, ['billing', 'support', 'nurse']);
    if (!a) return undefined;
    const [p] = a;
    const usual = p.kind === 'billing' ? 15 : p.kind === 'support' ? 5 : 8;
    const events: RawEvent[] = [];
    for (let d = ctx.day; d < ctx.day + 7 && d < ctx.org.active.length; d++) {
      const s = ctx.shift(p, d);
      if (!s) continue;
      const extra = Math.round(usual * (1 + 0.6 * ctx.rng.next()));
      const ts = times(ctx.rng, s, extra);
      for (const t of ts)
        events.push(appAccess(t, p, { app: appOf(p), action: 'view', type: typeOf(p), ids: [ctx.rng.pick(ctx.org.patients)], purpose: purposeOf(p, ctx.rng), address: placeOf(p, ctx.rng) }, ctx.id));
    }
    return { person: p.name, events };
  },
  'bulk-export'(ctx) {
    const a = actor(ctx, ['engineer', 'support']);
    if (!a) return undefined;
    const [p, s] = a;
    const t = during(ctx.rng, s);
    if (p.kind === 'support') {
      const ids = ctx.rng.sample(ctx.org.patients, ctx.rng.int(200, 500));
      return { person: p.name, events: [appAccess(t, p, { app: 'support', action: 'export', type: 'customer', ids, purpose: purposeOf(p, ctx.rng), address: p.desk }, ctx.id)] };
    }
    const copy = ctx.rng.chance(0.5);
    const rows = ctx.org.patients.length;
    return {
      person: p.name,
      events: sqlAccess(
        t,
        p,
        copy
          ? { kind: 'CopyStmt', action: 'copy_out', relations: ['public.patients'], text: 'COPY public.patients TO STDOUT', values: [], purpose: `debug:BUG-${ctx.rng.int(100, 999)}`, address: p.desk, rows }
          : { kind: 'SelectStmt', action: 'select', relations: ['public.patients'], text: 'SELECT * FROM public.patients', values: [], purpose: `debug:BUG-${ctx.rng.int(100, 999)}`, address: p.desk, rows },
        ctx.id,
      ),
    };
  },
  'off-hours'(ctx) {
    const a = actor(ctx, ['nurse', 'billing', 'support', 'engineer'], (p) => p.shiftStart >= 7 && p.shiftStart <= 10);
    if (!a) return undefined;
    const [p] = a;
    const t0 = ctx.day * DAY + ctx.rng.int(60, 240) * MIN;
    const n = ctx.rng.int(5, 15);
    if (p.kind === 'engineer')
      return {
        person: p.name,
        events: Array.from({ length: n }, (_, i) =>
          sqlAccess(t0 + i * ctx.rng.int(2, 6) * MIN, p, { kind: 'SelectStmt', action: 'select', relations: ['public.jobs'], text: 'SELECT * FROM public.jobs WHERE status = $1', values: ['failed'], purpose: 'maintenance', address: p.desk, rows: ctx.rng.int(5, 60) }, ctx.id),
        ).flat(),
      };
    const pool = p.kind === 'nurse' ? ctx.org.active[ctx.day]!.get(p.dept!)! : ctx.org.patients;
    return { person: p.name, events: views(ctx, p, t0, ctx.rng.sample(pool, n), 6) };
  },
  'out-of-role'(ctx) {
    const a = actor(ctx, ['billing', 'support', 'engineer']);
    if (!a) return undefined;
    const [p, s] = a;
    const t0 = during(ctx.rng, s);
    const patients = ctx.rng.sample(ctx.org.patients, ctx.rng.int(3, 8));
    if (p.kind === 'engineer')
      return {
        person: p.name,
        events: patients.flatMap((id, i) =>
          sqlAccess(t0 + i * 3 * MIN, p, { kind: 'SelectStmt', action: 'select', relations: ['public.clinical_notes'], text: 'SELECT * FROM public.clinical_notes WHERE patient_id = $1', values: [id], purpose: 'maintenance', address: p.desk, rows: ctx.rng.int(1, 12) }, ctx.id),
        ),
      };
    let t = t0;
    return {
      person: p.name,
      events: patients.map((id) => {
        t += ctx.rng.int(1, 5) * MIN;
        return appAccess(t, p, { app: 'ehr', action: 'view', type: 'clinical_note', ids: [id], purpose: purposeOf(p, ctx.rng), address: p.desk }, ctx.id);
      }),
    };
  },
  'shared-credentials'(ctx) {
    const a = actor(ctx, ['billing', 'support', 'engineer', 'doctor'], (p) => p.secondDevice === undefined);
    if (!a) return undefined;
    const [p, s] = a;
    // Someone else using the account from their own workstation.
    const elsewhere = ctx.rng.pick(ctx.org.people.filter((x) => x !== p && x.kind === p.kind)).desk;
    const t0 = during(ctx.rng, s);
    const n = ctx.rng.int(6, 14);
    const span = ctx.rng.int(30, 60) * MIN;
    const pool = p.kind === 'doctor' ? ctx.org.active[ctx.day]!.get(p.dept!)! : ctx.org.patients;
    if (p.kind === 'engineer')
      return {
        person: p.name,
        events: Array.from({ length: n }, (_, i) =>
          sqlAccess(t0 + Math.round((i * span) / n), p, { kind: 'SelectStmt', action: 'select', relations: ['public.patients'], text: 'SELECT * FROM public.patients WHERE id = $1', values: [ctx.rng.pick(ctx.org.patients)], purpose: `debug:BUG-${ctx.rng.int(100, 999)}`, address: elsewhere, rows: 1 }, ctx.id),
        ).flat(),
      };
    return {
      person: p.name,
      events: Array.from({ length: n }, (_, i) =>
        appAccess(t0 + Math.round((i * span) / n), p, { app: appOf(p), action: 'view', type: typeOf(p), ids: [ctx.rng.pick(pool)], purpose: purposeOf(p, ctx.rng), address: elsewhere }, ctx.id),
      ),
    };
  },
  recon(ctx) {
    const a = actor(ctx, ['engineer']);
    if (!a) return undefined;
    const [p, s] = a;
    // A pg_dump-like sweep: catalogs, then every table read once; every statement "maintenance".
    const catalogs = ['pg_catalog.pg_namespace', 'pg_catalog.pg_class', 'pg_catalog.pg_attribute', 'pg_catalog.pg_type', 'pg_catalog.pg_index', 'pg_catalog.pg_roles', 'information_schema.tables', 'information_schema.columns'];
    const tables = ['public.patients', 'public.clinical_notes', 'public.invoices', 'public.claims', 'public.jobs', 'public.sessions', 'public.audit_events', 'public.appointments', 'public.lab_results', 'public.medications', 'public.staff'];
    let t = during(ctx.rng, s);
    const events = [...catalogs, ...tables].flatMap((rel) =>
      sqlAccess((t += ctx.rng.int(5, 60) * 1000), p, { kind: 'SelectStmt', action: 'select', relations: [rel], text: `SELECT * FROM ${rel} LIMIT $1`, values: [], purpose: 'maintenance', address: p.desk, rows: ctx.rng.int(1, 100) }, ctx.id),
    );
    return { person: p.name, events };
  },
  'admin-self-grant'(ctx) {
    const a = actor(ctx, ['admin']);
    if (!a) return undefined;
    const [p, s] = a;
    const v = ctx.rng.int(0, 2);
    const stmt =
      v === 0
        ? { kind: 'GrantRoleStmt', action: 'grant', text: `GRANT pg_read_all_data TO ${p.name}` }
        : v === 1
          ? { kind: 'AlterRoleStmt', action: 'ddl', text: `ALTER ROLE ${p.name} WITH SUPERUSER` }
          : { kind: 'GrantRoleStmt', action: 'grant', text: `GRANT pg_write_all_data TO ${p.role}` };
    return { person: p.name, events: sqlAccess(during(ctx.rng, s), p, { ...stmt, relations: [], values: [], purpose: 'maintenance', address: p.desk, rows: 0 }, ctx.id) };
  },
};

export function makeInstance(scenario: Scenario, ctx: ScenarioContext): { person: string; events: RawEvent[] } | undefined {
  return make[scenario](ctx);
}

// Clean daily traffic: what each person does on an ordinary day, including the
// legitimate noise detection has to live with: late evenings and early starts,
// night incidents, consults and transfers across wards, covering another ward,
// one-off glances at another ward's patient, second devices, big month-end
// reports, new tables after a migration, a wrongly typed purpose.
import { appAccess, sqlAccess, type RawEvent } from './emit.js';
import { DEPARTMENTS, type Dept, type Org, type Person } from './org.js';
import type { Rng } from './rng.js';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
const MIN = 60_000;

const OPS_TABLES = ['public.jobs', 'public.job_runs', 'public.audit_events', 'public.deployments', 'public.feature_flags', 'public.sessions', 'public.queue_items'];
/** A migration on day 12 introduces a table every engineer then starts using. */
const NEW_TABLE_DAY = 12;

export interface Shift {
  start: number;
  end: number;
}

/** The working window for a person on a day (undefined: day off), with early/late noise. */
export function shiftOn(p: Person, day: number, rng: Rng): Shift | undefined {
  const works = p.workdays.has(day % 7);
  if (!works && !(p.kind !== 'nurse' && rng.chance(0.03))) return undefined;
  let start = day * DAY + p.shiftStart * HOUR + rng.normal(0, 12) * MIN;
  let end = start + p.shiftHours * HOUR;
  if (!works) end = start + rng.int(1, 3) * HOUR; // a few hours on a day off
  if (rng.chance(0.05)) start -= rng.int(30, 120) * MIN;
  if (rng.chance(0.1)) end += rng.int(30, 180) * MIN;
  return { start, end };
}

export function times(rng: Rng, s: Shift, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round(s.start + rng.next() * (s.end - s.start)));
  return out.sort((a, b) => a - b);
}

export const stationsOf = (d: Dept) => Array.from({ length: 6 }, (_, i) => `10.${1 + DEPARTMENTS.indexOf(d)}.50.${i + 1}`);

/** Ward workstations used in runs of 30-120 minutes; rarely a quick bounce back. */
function stationAt(rng: Rng, stations: string[]): (t: number) => string {
  let current = rng.pick(stations);
  let until = 0;
  let back: string | undefined;
  return (t) => {
    if (back && rng.chance(0.5)) {
      const b = back;
      back = undefined;
      return b;
    }
    if (t >= until) {
      const prev = current;
      current = rng.pick(stations);
      until = t + rng.int(30, 120) * MIN;
      if (rng.chance(0.01)) back = prev;
    }
    return current;
  };
}

export function cleanDay(org: Org, p: Person, day: number, rng: Rng, out: RawEvent[]): void {
  const s = shiftOn(p, day, rng);
  if (!s) return;
  const n = rng.poisson((p.rate * (s.end - s.start)) / HOUR);
  const ts = times(rng, s, n);
  const first = out.length;
  work(org, p, day, rng, s, ts, out);
  // Hot-desking: now and then someone with a desk works an hour from a colleague's (legitimate, looks like a borrowed account).
  if (p.kind !== 'nurse' && rng.chance(0.002)) {
    const colleague = rng.pick(org.people.filter((x) => x.kind === p.kind && x !== p));
    const from = s.start + rng.next() * (s.end - s.start - HOUR);
    for (let i = first; i < out.length; i++) {
      const e = out[i]!;
      const client = e.entry.client as { address: string } | undefined;
      if (e.entry.kind === 'access' && e.t >= from && e.t < from + HOUR && client) e.entry.client = { ...client, address: colleague.desk };
    }
  }
}

function work(org: Org, p: Person, day: number, rng: Rng, s: Shift, ts: number[], out: RawEvent[]): void {
  switch (p.kind) {
    case 'nurse':
    case 'doctor':
      return clinical(org, p, day, rng, s, ts, out);
    case 'billing':
      return billing(org, p, day, rng, s, ts, out);
    case 'support':
      return support(org, p, day, rng, ts, out);
    case 'engineer':
      return engineer(org, p, day, rng, s, ts, out);
    case 'admin':
      return admin(p, rng, ts, out);
  }
}

function clinical(org: Org, p: Person, day: number, rng: Rng, s: Shift, ts: number[], out: RawEvent[]): void {
  const cover = !p.float && p.kind === 'nurse' && rng.chance(0.02);
  const dept: Dept = p.float || cover ? rng.pick(DEPARTMENTS.filter((d) => d !== p.dept)) : p.dept!;
  const pool = org.active[day]!.get(dept)!;
  if (pool.length === 0) return;
  const share = pool.filter((_, i) => i % p.of === p.slot);
  const assigned = p.float || cover || share.length === 0 ? rng.sample(pool, p.kind === 'nurse' ? rng.int(6, 10) : rng.int(8, 14)) : share;
  const station = stationAt(rng, stationsOf(dept));
  const twoDevices = p.secondDevice !== undefined && rng.chance(0.5);
  const addr = (t: number) => (p.kind === 'doctor' ? (twoDevices && rng.chance(0.4) ? p.secondDevice! : p.desk) : station(t));
  const types = p.kind === 'nurse' ? ['patient', 'patient', 'vitals', 'medication'] : ['patient', 'clinical_note', 'lab_result', 'lab_result'];
  for (const t of ts) {
    const write = rng.chance(p.kind === 'nurse' ? 0.3 : 0.25);
    const type = write && p.kind === 'doctor' ? 'clinical_note' : rng.pick(types);
    out.push(appAccess(t, p, { app: 'ehr', action: write ? 'update' : 'view', type, ids: [rng.pick(assigned)], purpose: 'treatment', address: addr(t) }));
  }
  const others = DEPARTMENTS.filter((d) => d !== p.dept);
  // Consults: a doctor works on another ward's patient (several views and a note).
  if (p.kind === 'doctor' && rng.chance(0.15)) {
    const patient = rng.pick(org.active[day]!.get(rng.pick(others))!.concat(assigned));
    let t = ts[0] ?? s.start;
    for (let i = rng.int(3, 6); i > 0; i--) {
      t += rng.int(2, 12) * MIN;
      out.push(appAccess(t, p, { app: 'ehr', action: i === 1 ? 'update' : 'view', type: i === 1 ? 'clinical_note' : rng.pick(types), ids: [patient], purpose: 'treatment', address: addr(t) }));
    }
  }
  // A one-off glance at another ward's patient. Two in three have team context: a
  // patient the ward is asked about (a consult request, a transfer being planned),
  // which a colleague of the same department and shift looks at too within the
  // hour. One in three is a wrong click or a bed check nobody follows up: legitimate,
  // and exactly like curiosity.
  if (rng.chance(0.004)) {
    const pool2 = org.active[day]!.get(rng.pick(others))!;
    if (pool2.length > 0) {
      const t = (ts[Math.floor(ts.length / 2)] ?? s.start) + MIN;
      const patient = rng.pick(pool2);
      out.push(appAccess(t, p, { app: 'ehr', action: 'view', type: 'patient', ids: [patient], purpose: 'treatment', address: addr(t) }));
      const mates = shiftMates(org, p);
      if (rng.chance(2 / 3) && mates.length > 0) {
        const mate = rng.pick(mates);
        const t2 = t + rng.int(-30, 60) * MIN;
        const where = mate.kind === 'doctor' ? mate.desk : rng.pick(stationsOf(mate.dept!));
        out.push(appAccess(t2, mate, { app: 'ehr', action: 'view', type: 'patient', ids: [patient], purpose: 'treatment', address: where }));
      }
    }
  }
}

const matesCache = new WeakMap<Org, Map<string, Person[]>>();
/** Nurses and doctors of the same department and shift (who would discuss a patient together). */
function shiftMates(org: Org, p: Person): Person[] {
  let byKey = matesCache.get(org);
  if (!byKey) {
    byKey = new Map();
    for (const x of org.people) {
      if (x.dept === undefined || x.float) continue;
      const k = `${x.dept}/${x.shiftStart}`;
      byKey.set(k, [...(byKey.get(k) ?? []), x]);
    }
    matesCache.set(org, byKey);
  }
  return (byKey.get(`${p.dept}/${p.shiftStart}`) ?? []).filter((x) => x !== p);
}

/** Patients discharged in the last week, across wards: billing's work queue. */
function recentlyDischarged(org: Org, day: number): string[] {
  const out: string[] = [];
  for (let d = Math.max(0, day - 7); d < day; d++) for (const ps of org.active[d]!.values()) out.push(...ps);
  return out;
}

const vipCache = new WeakMap<Org, Set<string>>();
function vips(org: Org): Set<string> {
  let s = vipCache.get(org);
  if (!s) vipCache.set(org, (s = new Set(org.vipPatients)));
  return s;
}

function billing(org: Org, p: Person, day: number, rng: Rng, s: Shift, ts: number[], out: RawEvent[]): void {
  const vipClerk = org.vipStaff.has(p.name);
  const queue = recentlyDischarged(org, day).filter((x) => vipClerk || !vips(org).has(x));
  const accounts = rng.sample(queue.length > 0 ? queue : org.patients, rng.int(10, 20));
  for (const t of ts) {
    const type = rng.pick(['invoice', 'invoice', 'claim', 'patient']);
    out.push(appAccess(t, p, { app: 'billing', action: rng.chance(0.2) ? 'update' : 'view', type, ids: [rng.pick(accounts)], purpose: 'billing', address: p.desk }));
  }
  // Reports through the proxy: small ones weekly, big ones (month end) rarely.
  if (rng.chance(0.15) || rng.chance(0.03)) {
    const big = rng.chance(0.2);
    const t = s.start + rng.next() * (s.end - s.start);
    const rows = Math.round(big ? rng.logNormal(8000, 0.8) : rng.logNormal(300, 1));
    const table = rng.pick(['public.invoices', 'public.claims']);
    out.push(
      ...sqlAccess(t, p, {
        kind: 'SelectStmt',
        action: 'select',
        relations: [table],
        text: `SELECT * FROM ${table} WHERE created_at >= $1 AND department = $2`,
        values: [`2026-0${rng.int(1, 3)}-01`, rng.pick(DEPARTMENTS)],
        purpose: 'billing:report',
        address: p.desk,
        rows,
      }),
    );
  }
}

function support(org: Org, p: Person, day: number, rng: Rng, ts: number[], out: RawEvent[]): void {
  const vipDesk = org.vipStaff.has(p.name);
  const tickets = Array.from({ length: rng.int(2, 4) }, () => {
    let patient = rng.pick(org.patients);
    while (!vipDesk && vips(org).has(patient)) patient = rng.pick(org.patients);
    return { patient, id: `ticket:T${day}${rng.int(10000, 99999)}` };
  });
  for (const t of ts) {
    const k = tickets[Math.min(tickets.length - 1, Math.floor(((t % DAY) / DAY) * tickets.length * 3) % tickets.length)]!;
    const type = rng.pick(['customer', 'customer', 'appointment']);
    out.push(appAccess(t, p, { app: 'support', action: rng.chance(0.15) ? 'update' : 'view', type, ids: [k.patient], purpose: k.id, address: p.desk }));
  }
}

function engineer(org: Org, p: Person, day: number, rng: Rng, s: Shift, ts: number[], out: RawEvent[]): void {
  const prng = rng.fork(p.name.length, p.desk.length); // stable favourite tables per person
  const favourites = prng.sample(OPS_TABLES, 4);
  if (day >= NEW_TABLE_DAY) favourites.push('public.appointments_v2');
  let incident = `incident:INC-${rng.int(1000, 9999)}`;
  const all = [...ts];
  // Legitimate off-hours work: the night's incident, answered by several engineers
  // (org.incidents), and now and then a lone on-call fix.
  const night = org.incidents.get(day);
  if (night?.members.includes(p.name)) {
    incident = night.id;
    const join = night.start + rng.int(0, 20) * MIN;
    for (let i = rng.int(3, 10); i > 0; i--) all.push(join + rng.int(0, 90) * MIN);
  } else if (rng.chance(0.003)) {
    const start = day * DAY + rng.int(0, 4) * HOUR + rng.int(0, 59) * MIN;
    for (let i = rng.int(3, 10); i > 0; i--) all.push(start + rng.int(0, 90) * MIN);
  }
  all.sort((a, b) => a - b);
  for (const t of all) {
    if (rng.chance(0.12)) {
      out.push(
        ...sqlAccess(t, p, {
          kind: 'SelectStmt',
          action: 'select',
          relations: ['public.patients'],
          text: 'SELECT * FROM public.patients WHERE id = $1',
          values: [`p-${String(rng.int(0, 999999)).padStart(6, '0')}`],
          purpose: rng.chance(0.01) ? 'maintenance' : `debug:BUG-${rng.int(100, 999)}`,
          address: p.desk,
          rows: rng.chance(0.9) ? 1 : 0,
        }),
      );
      continue;
    }
    const table = rng.chance(0.01) ? `public.tmp_${rng.int(1, 50)}` : rng.pick(favourites);
    out.push(
      ...sqlAccess(t, p, {
        kind: 'SelectStmt',
        action: 'select',
        relations: [table],
        text: `SELECT * FROM ${table} WHERE status = $1 ORDER BY created_at DESC LIMIT $2`,
        values: [rng.pick(['failed', 'pending', 'done']), String(rng.pick([10, 50, 100, 500]))],
        purpose: rng.chance(0.5) ? incident : 'maintenance',
        address: p.desk,
        rows: Math.round(rng.logNormal(25, 1.1)),
      }),
    );
  }
  void s;
}

function admin(p: Person, rng: Rng, ts: number[], out: RawEvent[]): void {
  for (const t of ts) {
    const table = rng.pick(OPS_TABLES.concat(['public.invoices', 'public.patients']));
    const r = rng.next();
    const stmt =
      r < 0.4
        ? { kind: 'SelectStmt', action: 'select', relations: ['pg_catalog.pg_stat_activity'], text: 'SELECT * FROM pg_catalog.pg_stat_activity WHERE state = $1', values: ['active'], rows: rng.int(5, 80) }
        : r < 0.7
          ? { kind: 'VacuumStmt', action: 'other', relations: [table], text: `VACUUM ANALYZE ${table}`, values: [], rows: 0 }
          : r < 0.9
            ? { kind: 'IndexStmt', action: 'ddl', relations: [table], text: `CREATE INDEX CONCURRENTLY ON ${table} (created_at)`, values: [], rows: 0 }
            : { kind: 'AlterTableStmt', action: 'ddl', relations: [table], text: `ALTER TABLE ${table} ADD COLUMN note text`, values: [], rows: 0 };
    out.push(...sqlAccess(t, p, { ...stmt, purpose: 'maintenance', address: p.desk }));
  }
  // Routine privilege work for others: onboarding and report access.
  if (ts.length > 0 && rng.chance(0.12)) {
    const t = ts[0]! + 5 * MIN;
    const hire = `newhire_${rng.int(100, 999)}`;
    const grant = rng.chance(0.5)
      ? { kind: 'CreateRoleStmt', action: 'ddl', text: `CREATE ROLE ${hire} LOGIN` }
      : rng.chance(0.5)
        ? { kind: 'GrantRoleStmt', action: 'grant', text: `GRANT engineer TO ${hire}` }
        : { kind: 'GrantStmt', action: 'grant', text: 'GRANT SELECT ON public.invoices TO billing' };
    out.push(...sqlAccess(t, p, { ...grant, relations: [], values: [], purpose: 'maintenance', address: p.desk, rows: 0 }));
  }
}

// A simulated hospital for the detection evaluation: departments, staff in
// roles with shifts and workstations, patients with stays (and transfers), a
// watch list of VIPs, employees-as-patients and employees' relatives. Only
// structure lives here; traffic.ts turns it into daily access entries.
import { Rng } from './rng.js';

export const DEPARTMENTS = ['cardiology', 'oncology', 'emergency', 'pediatrics', 'surgery', 'neurology', 'maternity', 'orthopedics'] as const;
export type Dept = (typeof DEPARTMENTS)[number];
export type Kind = 'nurse' | 'doctor' | 'billing' | 'support' | 'engineer' | 'admin';

export interface Person {
  name: string;
  kind: Kind;
  dept: Dept | undefined;
  /** Role as it appears in entries (app role or upstream role). */
  role: string;
  /** Local hour the shift starts and its length in hours. */
  shiftStart: number;
  shiftHours: number;
  /** Days of the week (0 = Monday) they work. */
  workdays: Set<number>;
  /** Accesses per working hour (person-specific level of activity). */
  rate: number;
  desk: string;
  /** Float nurses work every ward; their cross-ward access is routine. */
  float: boolean;
  /** Uses a tablet and a workstation at once (a legitimate second address). */
  secondDevice: string | undefined;
  /** Clinical staff: their share of the ward's patients (patient i is theirs when i % of === slot). */
  slot: number;
  of: number;
}

export interface Stay {
  patient: string;
  dept: Dept;
  from: number;
  to: number;
}

export interface WatchItem {
  ids: string[];
  label: string;
  related: string[];
  allowed: string[];
  allowedGroups: string[];
}

export interface Org {
  people: Person[];
  byName: Map<string, Person>;
  patients: string[];
  /** Per day, per department: patients in a stay that day. */
  active: Map<Dept, string[]>[];
  homeDept: Map<string, Dept>;
  watch: WatchItem[];
  vipPatients: string[];
  /** Billing clerks and support agents of the VIP desk (allowed on every VIP record). */
  vipStaff: Set<string>;
  colleaguePatients: { patient: string; employee: string; family: boolean }[];
  /** Night incidents: on some days, several engineers answer the same call-out. */
  incidents: Map<number, Incident>;
}

export interface Incident {
  id: string;
  /** Start time (ms from day 0). */
  start: number;
  members: string[];
}

const KIND_SHARE: [Kind, number][] = [
  ['nurse', 0.45],
  ['doctor', 0.17],
  ['billing', 0.13],
  ['support', 0.06],
  ['engineer', 0.16],
  ['admin', 0.03],
];

const WEEKDAYS = new Set([0, 1, 2, 3, 4]);

function workPattern(rng: Rng, kind: Kind): Set<number> {
  if (kind !== 'nurse' && kind !== 'support') return WEEKDAYS;
  // Rotating staff: 5 of 7 days, two consecutive days off somewhere in the week.
  const off = rng.int(0, 6);
  return new Set([0, 1, 2, 3, 4, 5, 6].filter((d) => d !== off && d !== (off + 1) % 7));
}

function shiftOf(rng: Rng, kind: Kind): [number, number] {
  switch (kind) {
    case 'nurse':
      return rng.pick([[7, 8], [7, 8], [15, 8], [23, 8]] as [number, number][]);
    case 'doctor':
      return rng.pick([[8, 9], [8, 9], [10, 9], [20, 10]] as [number, number][]);
    case 'support':
      return rng.pick([[8, 8], [12, 8]] as [number, number][]);
    default:
      return [rng.int(7, 10), rng.int(8, 9)];
  }
}

const BASE_RATE: Record<Kind, number> = { nurse: 5, doctor: 3.5, billing: 7, support: 6, engineer: 1.6, admin: 0.8 };

export function buildOrg(seed: number, size: number, days: number): Org {
  const rng = new Rng(seed).fork(1);
  const people: Person[] = [];
  let n = 0;
  for (const [kind, share] of KIND_SHARE) {
    const count = Math.max(2, Math.round(size * share));
    for (let i = 0; i < count; i++) {
      const dept = kind === 'nurse' || kind === 'doctor' ? DEPARTMENTS[i % DEPARTMENTS.length] : undefined;
      const float = kind === 'nurse' && rng.chance(0.05);
      const [shiftStart, shiftHours] = shiftOf(rng, kind);
      const role =
        kind === 'nurse' ? `nurse:${float ? 'float' : dept}` : kind === 'doctor' ? `doctor:${dept}` : kind === 'admin' ? 'dba' : kind;
      n++;
      people.push({
        name: `${kind}${String(n).padStart(4, '0')}`,
        kind,
        dept,
        role,
        shiftStart,
        shiftHours,
        workdays: workPattern(rng, kind),
        rate: BASE_RATE[kind] * rng.logNormal(1, 0.35),
        desk: `10.${1 + DEPARTMENTS.indexOf(dept ?? 'cardiology')}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
        float,
        secondDevice: kind === 'doctor' && rng.chance(0.06) ? `10.200.${rng.int(0, 255)}.${rng.int(1, 254)}` : undefined,
        slot: 0,
        of: 1,
      });
    }
  }
  const byName = new Map(people.map((p) => [p.name, p]));
  // Each ward's patients are split among the staff of one kind on one shift, so every patient is seen every shift.
  const teams = new Map<string, Person[]>();
  for (const p of people) {
    if (p.dept === undefined || p.float) continue;
    const key = `${p.kind}/${p.dept}/${p.shiftStart}`;
    teams.set(key, [...(teams.get(key) ?? []), p]);
  }
  for (const team of teams.values()) team.forEach((p, i) => Object.assign(p, { slot: i, of: team.length }));

  // Patients and stays: ~6 per staff member (a ward of ~100 beds per ~55 nurses); stays of 1-10 days, some already running at day 0.
  const patients: string[] = [];
  const stays: Stay[] = [];
  const homeDept = new Map<string, Dept>();
  const deptsOf = new Map<string, Set<Dept>>();
  const patientCount = size * 6;
  for (let i = 0; i < patientCount; i++) {
    const id = `p-${String(i).padStart(6, '0')}`;
    patients.push(id);
    const dept = rng.pick(DEPARTMENTS);
    homeDept.set(id, dept);
    const from = rng.int(-10, days - 1);
    const len = rng.int(1, 10);
    if (rng.chance(0.05) && len >= 3) {
      // A transfer: the second half of the stay in another ward.
      const mid = from + Math.floor(len / 2);
      const other = rng.pick(DEPARTMENTS.filter((d) => d !== dept));
      stays.push({ patient: id, dept, from, to: mid - 1 }, { patient: id, dept: other, from: mid, to: from + len - 1 });
    } else stays.push({ patient: id, dept, from, to: from + len - 1 });
  }
  const active: Map<Dept, string[]>[] = [];
  for (let d = 0; d < days; d++) active.push(new Map(DEPARTMENTS.map((x) => [x, [] as string[]])));
  for (const s of stays) {
    for (let d = Math.max(0, s.from); d <= Math.min(days - 1, s.to); d++) active[d]!.get(s.dept)!.push(s.patient);
    deptsOf.set(s.patient, (deptsOf.get(s.patient) ?? new Set()).add(s.dept));
  }

  // Watch list: VIPs (their care team allowed: staff of every ward they stay in,
  // plus the VIP desk), employees who are patients, employees' relatives (the
  // employee is related).
  const careTeam = (patient: string) => people.filter((p) => p.dept !== undefined && deptsOf.get(patient)?.has(p.dept) && !p.float).map((p) => p.name);
  const vipStaff = new Set([
    ...people.filter((p) => p.kind === 'billing').slice(0, 2),
    ...people.filter((p) => p.kind === 'support').slice(0, 2),
  ].map((p) => p.name));
  const watch: WatchItem[] = [];
  const vipPatients = rng.sample(patients, 12);
  for (const [i, id] of vipPatients.entries())
    watch.push({ ids: [id], label: `VIP patient #${i + 1}`, related: [], allowed: [...careTeam(id), ...vipStaff], allowedGroups: [] });
  const colleaguePatients: Org['colleaguePatients'] = [];
  const employees = rng.sample(people, Math.max(8, Math.round(size * 0.04)));
  for (const [i, e] of employees.entries()) {
    const patient = rng.pick(patients);
    if (vipPatients.includes(patient) || colleaguePatients.some((c) => c.patient === patient)) continue;
    const family = i % 2 === 1;
    colleaguePatients.push({ patient, employee: e.name, family });
    watch.push({
      ids: [patient],
      label: family ? `a relative of employee ${e.name}` : `employee ${e.name}`,
      related: [e.name],
      allowed: careTeam(patient),
      // Billing processes every employee's bills; anyone else needs a reason.
      allowedGroups: ['billing'],
    });
  }
  // Incidents are worked together: about one night in two, 2-4 engineers answer the same call-out.
  const incidents = new Map<number, Incident>();
  const engineers = people.filter((p) => p.kind === 'engineer');
  for (let d = 0; d < days; d++) {
    if (!rng.chance(0.45) || engineers.length < 2) continue;
    const start = d * 86_400_000 + rng.int(0, 4) * 3_600_000 + rng.int(0, 59) * 60_000;
    incidents.set(d, { id: `incident:INC-${rng.int(1000, 9999)}`, start, members: rng.sample(engineers, rng.int(2, 4)).map((p) => p.name) });
  }
  return { people, byName, patients, active, homeDept, watch, vipPatients, vipStaff, colleaguePatients, incidents };
}

// The shape of an organisation for the generalisation evaluation: who works
// there (roles, teams, shifts, desks), which data subjects exist, who works on
// which subject on which day, and what the organisation's own systems know
// about it (directory, relationships, sensitive subjects) — the context feeds a
// deployment would import. Each shape (panel.ts, services.ts, bank.ts) builds
// one of these its own way; work.ts turns it into traffic, misuse.ts injects
// labelled misuse. The original hospital (eval/org.ts) is the `ward` shape.
import type { Rng } from '../rng.js';

export type WorkerKind = 'front' | 'engineer' | 'admin';

export interface Worker {
  name: string;
  role: string;
  /** The team as the organisation's directory knows it (not necessarily visible in the role). */
  team: string;
  kind: WorkerKind;
  /** App they use (entries' source `app:<app>`), the resource types they open and their usual purpose. */
  app: string;
  types: string[];
  purpose: string;
  shiftStart: number;
  shiftHours: number;
  workdays: Set<number>;
  /** Accesses per working hour. */
  rate: number;
  desk: string;
  /** Shared terminals (a front desk, a ward station); else they work at `desk`. */
  stations?: string[];
  /** Fraction of accesses that are writes (a note, a case update). */
  writes: number;
}

export interface RelItem {
  person?: string;
  team?: string;
  subject: string;
  kind: string;
  /** Ms from day 0 (the dataset's epoch); undefined: open-ended. */
  from?: number;
  to?: number;
}

export interface Sensitive {
  subject: string;
  employee?: string;
  relation: 'self' | 'relative' | 'vip';
  label: string;
  /** People whose work covers the subject (its care team, private-banking desk). */
  allowed: string[];
}

export interface ShapeOrg {
  shape: string;
  people: Worker[];
  subjects: string[];
  /** The subjects a person works on that day (their legitimate work list), in the order they come. */
  work(p: Worker, day: number, rng: Rng): string[];
  /** Context feeds: the directory and the relationships the organisation's systems hold. */
  relationships: RelItem[];
  sensitive: Sensitive[];
  /** Night incidents worked together by engineers. */
  incidents: Map<number, { id: string; start: number; members: string[] }>;
  /** Tables of the company database (for reports, exports, out-of-role and reconnaissance). */
  tables: { subjects: string; sensitive: string; ops: string[] };
  /** Resource types no front-line role of this shape opens (out-of-role). */
  restrictedType: string;
  /** Roles that run reports through the proxy (rows vary a lot). */
  reporters: Set<string>;
}

/** A front-line role of a shape: its share of the staff, what it opens, its rate and shifts. */
export interface RoleSpec {
  role: string;
  share: number;
  types: string[];
  purpose: string;
  rate: number;
  /** [start hour, hours] of the shifts people of the role are drawn onto. */
  shifts: [number, number][];
  writes: number;
  app?: string;
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MIN = 60_000;
export const WEEKDAYS = new Set([0, 1, 2, 3, 4]);

/** Rotating staff: 5 of 7 days, two consecutive days off. */
export function rotating(rng: Rng): Set<number> {
  const off = rng.int(0, 6);
  return new Set([0, 1, 2, 3, 4, 5, 6].filter((d) => d !== off && d !== (off + 1) % 7));
}

export function ip(rng: Rng, net: number): string {
  return `10.${net}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

/** Engineers and DBAs every shape has: SQL through the proxy, night incidents worked together. */
export function itStaff(rng: Rng, size: number, start: number): Worker[] {
  const out: Worker[] = [];
  const n = Math.max(3, Math.round(size * 0.06));
  for (let i = 0; i < n; i++) {
    const admin = i < Math.max(1, Math.round(n / 6));
    out.push({
      name: `${admin ? 'dba' : 'eng'}${String(start + i).padStart(4, '0')}`,
      role: admin ? 'dba' : 'engineer',
      team: 'it',
      kind: admin ? 'admin' : 'engineer',
      app: 'psql',
      types: [],
      purpose: 'maintenance',
      shiftStart: rng.int(7, 10),
      shiftHours: rng.int(8, 9),
      workdays: WEEKDAYS,
      rate: (admin ? 0.8 : 1.6) * rng.logNormal(1, 0.3),
      desk: ip(rng, 99),
      writes: 0,
    });
  }
  return out;
}

export function nightIncidents(rng: Rng, people: Worker[], days: number): ShapeOrg['incidents'] {
  const engineers = people.filter((p) => p.kind === 'engineer');
  const out: ShapeOrg['incidents'] = new Map();
  for (let d = 0; d < days; d++) {
    if (!rng.chance(0.35) || engineers.length < 2) continue;
    const start = d * DAY + rng.int(0, 4) * HOUR + rng.int(0, 59) * MIN;
    out.set(d, { id: `incident:INC-${rng.int(1000, 9999)}`, start, members: rng.sample(engineers, rng.int(2, 3)).map((p) => p.name) });
  }
  return out;
}

/** Employees who are also subjects (customers, patients) and relatives of employees, plus VIPs. */
export function sensitiveSubjects(rng: Rng, people: Worker[], subjects: string[], vips: number, allowedFor: (s: string) => string[]): Sensitive[] {
  const out: Sensitive[] = [];
  const taken = new Set<string>();
  const pick = () => {
    for (;;) {
      const s = rng.pick(subjects);
      if (!taken.has(s)) return taken.add(s), s;
    }
  };
  for (let i = 0; i < vips; i++) {
    const s = pick();
    out.push({ subject: s, relation: 'vip', label: `VIP #${i + 1}`, allowed: allowedFor(s) });
  }
  for (const [i, e] of rng.sample(people.filter((p) => p.kind === 'front'), Math.max(6, Math.round(people.length * 0.04))).entries()) {
    const s = pick();
    const relation = i % 2 === 1 ? 'relative' : 'self';
    out.push({ subject: s, employee: e.name, relation, label: relation === 'self' ? `employee ${e.name}` : `a relative of employee ${e.name}`, allowed: allowedFor(s) });
  }
  return out;
}

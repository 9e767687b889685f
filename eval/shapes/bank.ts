// A retail bank's customer service: a call centre whose agents take inbound
// calls from any customer (a case opened per call, sometimes followed up on
// later days), relationship managers who own portfolios of ~200 clients,
// private bankers for the VIP clients, a back office that processes
// applications assigned to it, and a fraud team that works alerts on accounts
// anywhere. Agents work 7-23 in two shifts, seven days a week, on rotas;
// everyone else office hours. Employees bank with their employer. The context
// feed holds case ownership, portfolio (account manager) and assignment.
import type { Rng } from '../rng.js';
import { DAY, itStaff, ip, nightIncidents, rotating, sensitiveSubjects, WEEKDAYS, type RelItem, type ShapeOrg, type Worker } from './model.js';

const ROLES: { role: string; share: number; types: string[]; purpose: string; rate: number; shifts: [number, number][]; writes: number }[] = [
  { role: 'agent', share: 0.5, types: ['customer', 'account', 'transactions'], purpose: 'call', rate: 8, shifts: [[7, 8], [15, 8]], writes: 0.2 },
  { role: 'relationship-manager', share: 0.16, types: ['customer', 'account', 'portfolio'], purpose: 'client-service', rate: 4, shifts: [[8, 9], [9, 9]], writes: 0.3 },
  { role: 'back-office', share: 0.16, types: ['application', 'customer', 'document'], purpose: 'processing', rate: 6, shifts: [[8, 8], [9, 8]], writes: 0.4 },
  { role: 'fraud-analyst', share: 0.08, types: ['transactions', 'account', 'customer'], purpose: 'investigation', rate: 5, shifts: [[8, 9], [12, 9]], writes: 0.2 },
];

export function buildBankOrg(rng: Rng, size: number, days: number): ShapeOrg {
  const people: Worker[] = [];
  let n = 0;
  for (const [k, r] of ROLES.entries()) {
    for (let i = Math.max(3, Math.round(size * r.share * 0.94)); i > 0; i--) {
      const [shiftStart, shiftHours] = rng.pick(r.shifts);
      people.push({
        name: `${r.role.split('-').map((w) => w[0]).join('')}${String(++n).padStart(4, '0')}`,
        role: r.role,
        team: r.role === 'agent' ? `agents-${1 + (i % 4)}` : r.role,
        kind: 'front',
        app: 'crm',
        types: r.types,
        purpose: r.purpose,
        shiftStart,
        shiftHours,
        workdays: r.role === 'agent' ? rotating(rng) : WEEKDAYS,
        rate: r.rate * rng.logNormal(1, 0.35),
        desk: ip(rng, 60 + k),
        writes: r.writes,
      });
    }
  }
  people.push(...itStaff(rng, size, n + 1));
  const subjects = Array.from({ length: size * 40 }, (_, i) => `cust-${String(i).padStart(7, '0')}`);
  const base = rng.fork(77);
  const relationships: RelItem[] = [];
  const portfolio = new Map<string, string[]>();
  for (const p of people.filter((x) => x.role === 'relationship-manager')) {
    const mine = rng.sample(subjects, rng.int(150, 250));
    portfolio.set(p.name, mine);
    for (const s of mine) relationships.push({ person: p.name, subject: s, kind: 'account-manager' });
  }
  // Cases: per person-day, drawn once (calls, applications, fraud alerts); a case stays open a few days.
  const cases = new Map<string, string[]>();
  const casesOf = (p: Worker, day: number): string[] => {
    const key = `${p.name}/${day}`;
    let list = cases.get(key);
    if (list) return list;
    const r = base.fork(day, Number(p.name.slice(-4)));
    if (p.role === 'relationship-manager') list = r.sample(portfolio.get(p.name)!, r.int(6, 14));
    else {
      list = r.sample(subjects, p.role === 'agent' ? r.int(20, 35) : r.int(6, 12));
      // Follow-ups: a case from the last days comes back.
      const before = cases.get(`${p.name}/${day - r.int(1, 3)}`);
      if (before && before.length > 0) list.push(...r.sample(before, Math.min(before.length, r.int(1, 3))));
    }
    cases.set(key, list);
    return list;
  };
  const kind: Record<string, string> = { agent: 'case-owner', 'back-office': 'assignment', 'fraud-analyst': 'investigation' };
  for (let d = 0; d < days; d++)
    for (const p of people)
      if (kind[p.role])
        for (const s of casesOf(p, d)) relationships.push({ person: p.name, subject: s, kind: kind[p.role]!, from: d * DAY, to: d * DAY + 3 * DAY });
  const privateBankers = people.filter((p) => p.role === 'relationship-manager').slice(0, 2).map((p) => p.name);
  return {
    shape: 'bank',
    people,
    subjects,
    work: (p, day) => casesOf(p, day),
    relationships,
    sensitive: sensitiveSubjects(rng, people, subjects, 12, () => privateBankers),
    incidents: nightIncidents(rng, people, days),
    tables: { subjects: 'public.customers', sensitive: 'public.card_numbers', ops: ['public.payments_queue', 'public.statements_jobs', 'public.audit_events', 'public.sessions', 'public.kyc_checks'] },
    restrictedType: 'card_pan',
    reporters: new Set(['back-office', 'fraud-analyst']),
  };
}

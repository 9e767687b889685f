// An insurer's claims department, a shape written after the detector's settings
// of this round were chosen and run once, never used to change a setting: claims
// handlers in regional units carry a caseload of open claims they return to for
// weeks; a first-notice-of-loss call centre takes new claims from any
// policyholder (7–21, two shifts, six days a week on rotas) and hands them to a
// unit; medical reviewers read the injury claims referred to them; special
// investigators (fraud) work referred claims and the policies around them;
// underwriters work the month's renewals as a team queue; claims payments pay
// settled claims days later; actuaries sample a few claims a day and run reports.
// Policyholders include staff and their relatives. The context feed holds the
// caseloads (case-owner), intake calls, referrals, the payment run (team) and
// the underwriting renewal queue (team, a month at a time).
import type { Rng } from '../rng.js';
import { DAY, itStaff, ip, nightIncidents, rotating, sensitiveSubjects, WEEKDAYS, type RelItem, type RoleSpec, type ShapeOrg, type Worker } from './model.js';

const ROLES: RoleSpec[] = [
  { role: 'handler', share: 0.36, types: ['claim', 'policy', 'correspondence'], purpose: 'claim-handling', rate: 6, shifts: [[8, 8], [9, 8]], writes: 0.35 },
  { role: 'intake', share: 0.2, types: ['policy', 'claim'], purpose: 'first-notice', rate: 7, shifts: [[7, 7], [14, 7]], writes: 0.45 },
  { role: 'medical', share: 0.06, types: ['claim', 'medical_report'], purpose: 'medical-review', rate: 3, shifts: [[9, 7]], writes: 0.3 },
  { role: 'investigator', share: 0.05, types: ['claim', 'policy', 'payment'], purpose: 'investigation', rate: 4, shifts: [[8, 9]], writes: 0.2 },
  { role: 'underwriter', share: 0.13, types: ['policy', 'quote'], purpose: 'renewal', rate: 5, shifts: [[8, 8], [9, 8]], writes: 0.3 },
  { role: 'claims-payments', share: 0.08, types: ['payment', 'claim'], purpose: 'settlement', rate: 5, shifts: [[8, 8]], writes: 0.4 },
  { role: 'actuary', share: 0.04, types: ['claim'], purpose: 'reserving', rate: 1, shifts: [[9, 8]], writes: 0 },
];
const UNITS = ['north', 'south', 'east', 'west'];

export function buildClaimsOrg(rng: Rng, size: number, days: number): ShapeOrg {
  const people: Worker[] = [];
  let n = 0;
  for (const [k, r] of ROLES.entries()) {
    for (let i = Math.max(3, Math.round(size * r.share * 0.94)); i > 0; i--) {
      const [shiftStart, shiftHours] = rng.pick(r.shifts);
      people.push({
        name: `${r.role.slice(0, 2)}${String(++n).padStart(4, '0')}`,
        role: r.role,
        team: r.role === 'handler' ? `unit-${UNITS[i % UNITS.length]}` : r.role === 'intake' ? `fnol-${1 + (i % 2)}` : r.role,
        kind: 'front',
        app: r.role === 'underwriter' ? 'policy-admin' : 'claims',
        types: r.types,
        purpose: r.purpose,
        shiftStart,
        shiftHours,
        // Six days a week on rotas for intake; a quarter of the handlers work four-day weeks.
        workdays: r.role === 'intake' ? rotating(rng) : r.role === 'handler' && rng.chance(0.25) ? new Set([0, 1, 2, 3]) : WEEKDAYS,
        rate: r.rate * rng.logNormal(1, 0.35),
        desk: ip(rng, 40 + k),
        writes: r.writes,
      });
    }
  }
  people.push(...itStaff(rng, size, n + 1));
  const subjects = Array.from({ length: size * 50 }, (_, i) => `ph-${String(i).padStart(7, '0')}`);
  const base = rng.fork(53);
  const relationships: RelItem[] = [];
  const byRole = (role: string) => people.filter((p) => p.role === role);
  const handlers = byRole('handler');
  // Claims: opened each day by intake, handed to a handler the next day, open 10–40 days.
  const caseload = new Map<string, { subject: string; from: number; to: number }[]>();
  const intakeOf = new Map<number, string[]>();
  const referrals = { medical: new Map<number, string[]>(), investigator: new Map<number, string[]>() };
  const settled = new Map<number, string[]>();
  for (let d = -40; d < days; d++) {
    const opened = rng.sample(subjects, rng.int(Math.round(size * 0.25), Math.round(size * 0.35)));
    intakeOf.set(d, opened);
    for (const s of opened) {
      const h = rng.pick(handlers);
      const claim = { subject: s, from: d + 1, to: d + 1 + rng.int(10, 40) };
      caseload.set(h.name, [...(caseload.get(h.name) ?? []), claim]);
      relationships.push({ person: h.name, subject: s, kind: 'case-owner', from: Math.max(0, claim.from) * DAY, to: claim.to * DAY });
      const refer = (to: Map<number, string[]>, day: number) => to.set(day, [...(to.get(day) ?? []), s]);
      if (rng.chance(0.15)) refer(referrals.medical, d + rng.int(3, 8));
      if (rng.chance(0.04)) refer(referrals.investigator, d + rng.int(2, 10));
      refer(settled, claim.to);
    }
  }
  // The month's renewals: the underwriting team's queue (a team relationship, a month at a time).
  const renewals = subjects.filter((_, i) => i % 12 === 0);
  for (const s of renewals) relationships.push({ team: 'underwriter', subject: s, kind: 'renewal', from: 0, to: days * DAY });
  const work = new Map<string, string[]>();
  const workOf = (p: Worker, day: number): string[] => {
    const key = `${p.name}/${day}`;
    let list = work.get(key);
    if (list) return list;
    const r = base.fork(day, Number(p.name.slice(-4)));
    switch (p.role) {
      case 'handler': {
        const open = (caseload.get(p.name) ?? []).filter((c) => c.from <= day && day <= c.to).map((c) => c.subject);
        list = r.sample(open, Math.min(open.length, r.int(8, 16)));
        break;
      }
      case 'intake': {
        // The day's new claims are split between the two call-centre teams, then among who is on.
        const mine = (intakeOf.get(day) ?? []).filter((_, k) => k % 2 === Number(p.team.slice(-1)) - 1);
        list = r.sample(mine, Math.min(mine.length, r.int(10, 18)));
        break;
      }
      case 'medical':
      case 'investigator': {
        const queue = [0, 1, 2, 3, 4].flatMap((k) => referrals[p.role as 'medical' | 'investigator'].get(day - k) ?? []);
        list = r.sample(queue, Math.min(queue.length, r.int(3, 8)));
        // Investigators look at the policies around a referred claim (same address, same broker).
        if (p.role === 'investigator') list.push(...r.sample(subjects, r.int(2, 6)));
        break;
      }
      case 'underwriter':
        list = r.sample(renewals, r.int(10, 20));
        break;
      case 'claims-payments': {
        const due = [1, 2, 3].flatMap((k) => settled.get(day - k) ?? []);
        list = r.sample(due, Math.min(due.length, r.int(8, 15)));
        break;
      }
      default:
        // Actuaries: a small sample of claims for reserving checks.
        list = r.sample(subjects, r.int(2, 5));
    }
    work.set(key, list);
    return list;
  };
  for (let d = 0; d < days; d++) {
    for (const p of people) {
      if (p.role === 'intake') for (const s of workOf(p, d)) relationships.push({ person: p.name, subject: s, kind: 'intake-call', from: d * DAY, to: d * DAY + DAY });
      if (p.role === 'medical' || p.role === 'investigator')
        for (const s of workOf(p, d)) relationships.push({ person: p.name, subject: s, kind: 'referral', from: d * DAY, to: d * DAY + 7 * DAY });
    }
    for (const s of [1, 2, 3].flatMap((k) => settled.get(d - k) ?? [])) relationships.push({ team: 'claims-payments', subject: s, kind: 'payment-run', from: d * DAY, to: d * DAY + DAY });
  }
  const seniors = handlers.slice(0, 3).map((p) => p.name);
  return {
    shape: 'claims',
    people,
    subjects,
    work: (p, day) => workOf(p, day),
    relationships,
    sensitive: sensitiveSubjects(rng, people, subjects, 10, () => seniors),
    incidents: nightIncidents(rng, people, days),
    tables: { subjects: 'public.policyholders', sensitive: 'public.health_declarations', ops: ['public.claim_events', 'public.payment_batches', 'public.document_queue', 'public.sessions', 'public.notifications'] },
    restrictedType: 'health_declaration',
    reporters: new Set(['actuary', 'claims-payments']),
  };
}

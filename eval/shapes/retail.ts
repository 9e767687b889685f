// An online retailer's customer operations, a shape added after the detector was
// tuned and never used to tune it: support agents answer tickets from any
// customer around the clock in three shifts (a ticket is opened per contact and
// often reopened the next days), a returns team works the returns assigned to it,
// warehouse pickers see the orders (name, address) of the day's picking waves in
// two shifts, a loyalty desk owns the top customers, payment operations work
// chargebacks, and marketing analysts run reports over the customer base. Staff
// shop there too. The context feed holds ticket ownership, return assignment,
// the picking waves (team ↔ customer, one day) and the loyalty portfolio.
import type { Rng } from '../rng.js';
import { DAY, itStaff, ip, nightIncidents, rotating, sensitiveSubjects, WEEKDAYS, type RelItem, type RoleSpec, type ShapeOrg, type Worker } from './model.js';

const ROLES: (RoleSpec & { app: string })[] = [
  { role: 'support', share: 0.42, types: ['customer', 'order', 'ticket'], purpose: 'ticket', rate: 9, shifts: [[6, 8], [14, 8], [22, 8]], writes: 0.3, app: 'helpdesk' },
  { role: 'returns', share: 0.12, types: ['return', 'order', 'customer'], purpose: 'return', rate: 6, shifts: [[8, 8], [10, 8]], writes: 0.4, app: 'oms' },
  { role: 'picker', share: 0.26, types: ['order', 'shipment'], purpose: 'fulfilment', rate: 12, shifts: [[5, 8], [13, 8]], writes: 0.5, app: 'wms' },
  { role: 'loyalty', share: 0.06, types: ['customer', 'order', 'loyalty_account'], purpose: 'client-care', rate: 4, shifts: [[9, 8]], writes: 0.2, app: 'crm' },
  { role: 'payments', share: 0.06, types: ['payment', 'chargeback', 'customer'], purpose: 'chargeback', rate: 5, shifts: [[8, 9]], writes: 0.2, app: 'finance' },
  { role: 'marketing', share: 0.08, types: ['segment', 'campaign'], purpose: 'analysis', rate: 2, shifts: [[9, 8]], writes: 0.05, app: 'bi' },
];

export function buildRetailOrg(rng: Rng, size: number, days: number): ShapeOrg {
  const people: Worker[] = [];
  let n = 0;
  for (const [k, r] of ROLES.entries()) {
    const net = 70 + k;
    const stations = Array.from({ length: 6 }, (_, i) => `10.${net}.0.${i + 10}`);
    for (let i = Math.max(3, Math.round(size * r.share * 0.94)); i > 0; i--) {
      const [shiftStart, shiftHours] = rng.pick(r.shifts);
      people.push({
        name: `${r.role.slice(0, 3)}${String(++n).padStart(4, '0')}`,
        role: r.role,
        team: r.role === 'support' ? `support-${['emea', 'amer', 'apac'][i % 3]}` : r.role === 'picker' ? `wave-${1 + (i % 2)}` : r.role,
        kind: 'front',
        app: r.app,
        types: r.types,
        purpose: r.purpose,
        shiftStart,
        shiftHours,
        workdays: r.role === 'support' || r.role === 'picker' ? rotating(rng) : WEEKDAYS,
        rate: r.rate * rng.logNormal(1, 0.4),
        desk: ip(rng, net),
        // Pickers share the scanners of the warehouse floor.
        ...(r.role === 'picker' ? { stations } : {}),
        writes: r.writes,
      });
    }
  }
  people.push(...itStaff(rng, size, n + 1));
  const subjects = Array.from({ length: size * 60 }, (_, i) => `c-${String(i).padStart(8, '0')}`);
  const base = rng.fork(91);
  const relationships: RelItem[] = [];
  const loyalty = new Map<string, string[]>();
  const top = rng.sample(subjects, Math.max(60, Math.round(subjects.length / 100)));
  const desk = people.filter((p) => p.role === 'loyalty');
  for (const [i, s] of top.entries()) {
    const owner = desk[i % desk.length]!;
    loyalty.set(owner.name, [...(loyalty.get(owner.name) ?? []), s]);
    relationships.push({ person: owner.name, subject: s, kind: 'account-manager' });
  }
  // Orders placed each day; pickers work the waves of the same day, returns arrive 5–20 days later.
  const orders: string[][] = [];
  for (let d = -30; d < days; d++) orders.push(rng.sample(subjects, rng.int(Math.round(size * 2), Math.round(size * 3))));
  const ordersOn = (d: number) => orders[d + 30] ?? [];
  const pickers = people.filter((p) => p.role === 'picker');
  const cases = new Map<string, string[]>();
  const casesOf = (p: Worker, day: number): string[] => {
    const key = `${p.name}/${day}`;
    let list = cases.get(key);
    if (list) return list;
    const r = base.fork(day, Number(p.name.slice(-4)));
    switch (p.role) {
      case 'loyalty':
        list = r.sample(loyalty.get(p.name) ?? [], r.int(5, 12));
        break;
      case 'picker': {
        const wave = ordersOn(day).filter((_, k) => k % 2 === Number(p.team.slice(-1)) - 1);
        const crew = pickers.filter((x) => x.team === p.team);
        const mine = wave.filter((_, k) => k % crew.length === crew.indexOf(p));
        list = r.sample(mine, Math.min(mine.length, r.int(30, 60)));
        break;
      }
      case 'returns':
        list = r.sample(ordersOn(day - r.int(5, 20)), r.int(8, 16));
        break;
      case 'payments':
        list = r.sample(ordersOn(day - r.int(10, 40)), r.int(4, 9));
        break;
      case 'marketing':
        list = [];
        break;
      default: {
        // Support: anyone who writes in, and tickets reopened from the last days.
        list = r.sample(subjects, r.int(25, 40));
        const before = cases.get(`${p.name}/${day - r.int(1, 4)}`);
        if (before && before.length > 0) list.push(...r.sample(before, Math.min(before.length, r.int(2, 5))));
      }
    }
    cases.set(key, list);
    return list;
  };
  const kind: Record<string, string> = { support: 'ticket-owner', returns: 'assignment', payments: 'chargeback' };
  for (let d = 0; d < days; d++) {
    for (const p of people)
      if (kind[p.role])
        for (const s of casesOf(p, d)) relationships.push({ person: p.name, subject: s, kind: kind[p.role]!, from: d * DAY, to: d * DAY + 5 * DAY });
    for (const wave of [1, 2])
      for (const s of ordersOn(d).filter((_, k) => k % 2 === wave - 1)) relationships.push({ team: `wave-${wave}`, subject: s, kind: 'picking-wave', from: d * DAY, to: d * DAY + DAY - 1 });
  }
  return {
    shape: 'retail',
    people,
    subjects,
    work: (p, day) => casesOf(p, day),
    relationships,
    sensitive: sensitiveSubjects(rng, people, subjects, 12, (s) => desk.filter((x) => loyalty.get(x.name)?.includes(s)).map((x) => x.name)),
    incidents: nightIncidents(rng, people, days),
    tables: { subjects: 'public.customers', sensitive: 'public.payment_methods', ops: ['public.pick_lists', 'public.carrier_labels', 'public.audit_events', 'public.sessions', 'public.email_outbox'] },
    restrictedType: 'payment_method',
    reporters: new Set(['marketing', 'payments']),
  };
}

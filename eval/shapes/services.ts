// Hospital-wide services: reception, billing, pharmacy and the laboratory work
// for every ward, so no team owns a patient and every role touches patients
// all over the hospital. Work comes from encounters: each day a few hundred
// patients have an appointment or an admission; reception checks them in, the
// lab processes their orders, pharmacy their prescriptions, billing their
// accounts some days after. Reception and the lab run 24/7 in three shifts;
// billing and pharmacy office hours. The context feed holds the encounters
// (team ↔ patient: appointment, lab order, prescription, billing account).
import type { Rng } from '../rng.js';
import { DAY, itStaff, ip, nightIncidents, rotating, sensitiveSubjects, WEEKDAYS, type RelItem, type ShapeOrg, type Worker } from './model.js';

interface Service {
  role: string;
  share: number;
  types: string[];
  purpose: string;
  shifts: [number, number][];
  rate: number;
  /** Days after the encounter the service works on it. */
  lag: [number, number];
  rel: string;
  stations: boolean;
}

const SERVICES: Service[] = [
  { role: 'reception', share: 0.32, types: ['patient', 'appointment'], purpose: 'registration', shifts: [[7, 8], [15, 8], [23, 8]], rate: 7, lag: [0, 0], rel: 'appointment', stations: true },
  { role: 'lab-tech', share: 0.24, types: ['lab_order', 'lab_result'], purpose: 'lab', shifts: [[7, 8], [15, 8], [23, 8]], rate: 6, lag: [0, 1], rel: 'lab-order', stations: true },
  { role: 'pharmacist', share: 0.14, types: ['prescription', 'medication'], purpose: 'dispensing', shifts: [[8, 9], [8, 9], [12, 9]], rate: 5, lag: [0, 1], rel: 'prescription', stations: false },
  { role: 'billing', share: 0.24, types: ['invoice', 'claim', 'patient'], purpose: 'billing', shifts: [[8, 8], [9, 8]], rate: 7, lag: [3, 12], rel: 'billing-account', stations: false },
];

export function buildServicesOrg(rng: Rng, size: number, days: number): ShapeOrg {
  const people: Worker[] = [];
  let n = 0;
  for (const [k, svc] of SERVICES.entries()) {
    const net = 40 + k;
    const stations = Array.from({ length: 8 }, (_, i) => `10.${net}.0.${i + 10}`);
    for (let i = Math.max(3, Math.round(size * svc.share * 0.94)); i > 0; i--) {
      const [shiftStart, shiftHours] = rng.pick(svc.shifts);
      people.push({
        name: `${svc.role.slice(0, 3)}${String(++n).padStart(4, '0')}`,
        role: svc.role,
        team: svc.role,
        kind: 'front',
        app: svc.role === 'billing' ? 'finance' : 'his',
        types: svc.types,
        purpose: svc.purpose,
        shiftStart,
        shiftHours,
        workdays: svc.shifts.length === 3 ? rotating(rng) : WEEKDAYS,
        rate: svc.rate * rng.logNormal(1, 0.35),
        desk: ip(rng, net),
        ...(svc.stations ? { stations } : {}),
        writes: 0.25,
      });
    }
  }
  people.push(...itStaff(rng, size, n + 1));
  const subjects = Array.from({ length: size * 20 }, (_, i) => `mrn-${String(i).padStart(7, '0')}`);
  // Encounters: ~size patients a day (appointments, admissions, emergencies).
  const encounters: string[][] = [];
  for (let d = -14; d < days; d++) encounters.push(rng.sample(subjects, rng.int(Math.round(size * 0.8), Math.round(size * 1.2))));
  const on = (d: number) => encounters[d + 14] ?? [];
  const relationships: RelItem[] = [];
  for (let d = 0; d < days; d++)
    for (const svc of SERVICES) {
      const from = d * DAY;
      for (let lag = svc.lag[0]; lag <= svc.lag[1]; lag++) for (const s of on(d - lag)) relationships.push({ team: svc.role, subject: s, kind: svc.rel, from, to: from + DAY - 1 });
    }
  const byRole = new Map<string, Worker[]>();
  for (const p of people) byRole.set(p.role, [...(byRole.get(p.role) ?? []), p]);
  const work = (p: Worker, day: number, r: Rng): string[] => {
    const svc = SERVICES.find((x) => x.role === p.role);
    if (!svc) return [];
    const pool: string[] = [];
    for (let lag = svc.lag[0]; lag <= svc.lag[1]; lag++) pool.push(...on(day - lag));
    // Staff on shift share the day's pool; each takes a slice, plus now and then a colleague's case.
    const staff = byRole.get(p.role)!;
    const i = staff.indexOf(p);
    const mine = pool.filter((_, k) => k % Math.max(1, Math.round(staff.length * 0.5)) === i % Math.max(1, Math.round(staff.length * 0.5)));
    return r.sample(mine, Math.min(mine.length, r.int(10, 25)));
  };
  return {
    shape: 'services',
    people,
    subjects,
    work,
    relationships,
    sensitive: sensitiveSubjects(rng, people, subjects, 12, () => []),
    incidents: nightIncidents(rng, people, days),
    tables: { subjects: 'public.patients', sensitive: 'public.clinical_notes', ops: ['public.invoices', 'public.lab_queue', 'public.hl7_messages', 'public.audit_events', 'public.print_jobs'] },
    restrictedType: 'clinical_note',
    reporters: new Set(['billing', 'pharmacist']),
  };
}

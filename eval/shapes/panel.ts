// Care by personal panels (general practice): practices of 3-6 clinicians, each
// with their own panel of ~150 registered patients, a practice nurse and
// receptionists who book and check in for the whole practice. Roles name no
// practice (`gp`, `practice-nurse`, `receptionist`): a regular expression on the
// role finds no team, only the directory (or what people do) does. Work comes by
// appointment: a clinician sees 8-20 of their own panel a day, sometimes a
// colleague's patient (the colleague is off, an urgent slot); receptionists
// touch every patient with an appointment that day, before the clinician.
// Weekday surgeries with an evening clinic twice a week, Saturday mornings on rota.
import type { Rng } from '../rng.js';
import { DAY, itStaff, ip, nightIncidents, sensitiveSubjects, WEEKDAYS, type RelItem, type ShapeOrg, type Worker } from './model.js';

export function buildPanelOrg(rng: Rng, size: number, days: number): ShapeOrg {
  const people: Worker[] = [];
  const base = rng.fork(99);
  const panel = new Map<string, string[]>();
  const practices: { name: string; clinicians: Worker[]; staff: Worker[] }[] = [];
  const subjects: string[] = [];
  let n = 0;
  const target = Math.round(size * 0.94);
  while (people.length < target) {
    const name = `practice-${practices.length + 1}`;
    const net = 20 + practices.length;
    const desk = () => ip(rng, net);
    const stations = [`10.${net}.0.10`, `10.${net}.0.11`];
    const clinicians: Worker[] = [];
    const staff: Worker[] = [];
    for (let i = rng.int(3, 6); i > 0; i--) {
      const gp = i > 1;
      const w: Worker = {
        name: `${gp ? 'gp' : 'pn'}${String(++n).padStart(4, '0')}`,
        role: gp ? 'gp' : 'practice-nurse',
        team: name,
        kind: 'front',
        app: 'emr',
        types: gp ? ['patient', 'consultation', 'prescription', 'lab_result'] : ['patient', 'immunisation', 'vitals'],
        purpose: 'care',
        shiftStart: rng.pick([8, 8, 9]),
        shiftHours: rng.pick([8, 9, 10]),
        workdays: rng.chance(0.3) ? new Set([0, 1, 2, 3]) : WEEKDAYS,
        rate: (gp ? 4 : 3) * rng.logNormal(1, 0.3),
        desk: desk(),
        writes: 0.35,
      };
      clinicians.push(w);
      const mine: string[] = [];
      for (let k = rng.int(120, 180); k > 0; k--) mine.push(`pt-${String(subjects.length).padStart(6, '0')}`), subjects.push(mine[mine.length - 1]!);
      panel.set(w.name, mine);
    }
    for (let i = rng.int(1, 2); i > 0; i--)
      staff.push({
        name: `rec${String(++n).padStart(4, '0')}`,
        role: 'receptionist',
        team: name,
        kind: 'front',
        app: 'emr',
        types: ['patient', 'appointment', 'appointment'],
        purpose: 'appointments',
        shiftStart: rng.pick([7, 8, 12]),
        shiftHours: 8,
        workdays: WEEKDAYS,
        rate: 6 * rng.logNormal(1, 0.3),
        desk: desk(),
        stations,
        writes: 0.3,
      });
    practices.push({ name, clinicians, staff });
    people.push(...clinicians, ...staff);
  }
  people.push(...itStaff(rng, size, n + 1));
  const practiceOf = new Map(people.map((p) => [p.name, practices.find((x) => x.name === p.team)]));

  // Appointments per day: each clinician's list, drawn once so the receptionists and a covering colleague see the same list.
  const booked = new Map<string, string[]>();
  const relationships: RelItem[] = [];
  const appointments = (p: Worker, day: number): string[] => {
    const key = `${p.name}/${day}`;
    let list = booked.get(key);
    if (!list) {
      const r = base.fork(day, Number(p.name.slice(-4)));
      const mine = panel.get(p.name) ?? [];
      list = r.sample(mine, Math.min(mine.length, r.int(8, 20)));
      // An urgent slot: a patient of a colleague of the practice.
      const mates = practiceOf.get(p.name)?.clinicians.filter((x) => x !== p) ?? [];
      if (mates.length > 0 && r.chance(0.3)) list.push(r.pick(panel.get(r.pick(mates).name)!));
      booked.set(key, list);
    }
    return list;
  };
  for (const p of people.filter((x) => x.role !== 'receptionist' && x.kind === 'front'))
    for (const s of panel.get(p.name)!) relationships.push({ person: p.name, subject: s, kind: 'panel' });
  for (let day = 0; day < days; day++)
    for (const pr of practices)
      for (const c of pr.clinicians)
        if (c.workdays.has(day % 7))
          for (const s of appointments(c, day)) relationships.push({ person: c.name, subject: s, kind: 'appointment', from: day * DAY, to: day * DAY + DAY - 1 }, { team: pr.name, subject: s, kind: 'appointment', from: day * DAY, to: day * DAY + DAY - 1 });

  const work = (p: Worker, day: number): string[] => {
    const pr = practiceOf.get(p.name);
    if (!pr) return [];
    if (p.role !== 'receptionist') return appointments(p, day);
    // Receptionists split the practice's appointments of the day.
    const all = pr.clinicians.filter((c) => c.workdays.has(day % 7)).flatMap((c) => appointments(c, day));
    const i = pr.staff.indexOf(p);
    return all.filter((_, k) => k % pr.staff.length === i);
  };
  const allowedFor = (s: string) => {
    const owner = [...panel].find(([, l]) => l.includes(s))?.[0];
    const pr = owner ? practiceOf.get(owner) : undefined;
    return pr ? [...pr.clinicians, ...pr.staff].map((x) => x.name) : [];
  };
  return {
    shape: 'panel',
    people,
    subjects,
    work,
    relationships,
    sensitive: sensitiveSubjects(rng, people, subjects, 10, allowedFor),
    incidents: nightIncidents(rng, people, days),
    tables: { subjects: 'public.patients', sensitive: 'public.consultations', ops: ['public.recalls', 'public.sms_queue', 'public.sync_jobs', 'public.audit_events', 'public.report_runs'] },
    restrictedType: 'safeguarding_note',
    reporters: new Set(['practice-nurse']),
  };
}


// The seeded evaluation dataset: an organisation (org.ts), days of clean traffic
// (traffic.ts) and labelled misuse (scenarios.ts), sequenced into log entries
// with indexes exactly as the log would number them. Days are produced one at a
// time so a month of a thousand people never sits in memory at once.
import type { DetectorConfigInput } from '../src/detect/config.js';
import type { RawEvent } from './emit.js';
import { buildOrg, type Org, type Person } from './org.js';
import { Rng } from './rng.js';
import { makeInstance, SCENARIOS, type Instance } from './scenarios.js';
import { cleanDay, DAY, shiftOn } from './traffic.js';

/** Monday 2 March 2026, 00:00 UTC: day 0 of every dataset (local time = UTC). */
export const EPOCH = Date.UTC(2026, 2, 2);

export interface GenOptions {
  seed: number;
  people: number;
  days: number;
  /** Days before any misuse: the detector learns, as after a real deployment. */
  warmupDays: number;
  perScenario: number;
  /** false: the same clean traffic with no misuse (for false alerts on clean traffic). */
  inject: boolean;
  /** Feed the organisation's context (directory, admissions) as `context.update` entries. */
  context?: boolean;
}

export interface DayBatch {
  day: number;
  entries: { index: number; entry: Record<string, unknown> }[];
}

export interface Dataset {
  /** Number of people in the organisation. */
  people: number;
  detectorConfig: DetectorConfigInput;
  instances: Instance[];
  /** Entry index → misuse instance id (filled while days are produced). */
  labels: Map<number, string>;
  days(): Generator<DayBatch>;
}

export function detectorConfigFor(org: Org): DetectorConfigInput {
  return {
    watchlist: org.watch.map((w) => ({ ids: w.ids, label: w.label, related: w.related, allowed: w.allowed, allowedGroups: w.allowedGroups })),
    purposes: [
      { match: { resourceTypes: ['clinical_note', 'lab_result'] }, pattern: '^treatment', label: 'a treatment purpose' },
      { match: { source: 'pg-proxy', action: ['select', 'copy_out'], relations: ['public.patients', 'public.clinical_notes'] }, pattern: '^(debug|incident):', label: 'a debug:/incident: ticket' },
    ],
  };
}

export function generate(o: GenOptions): Dataset {
  const org = buildOrg(o.seed, o.people, o.days);
  const base = new Rng(o.seed).fork(2);
  const personIndex = new Map(org.people.map((p, i) => [p.name, i]));
  const rngFor = (p: Person, day: number) => base.fork(day, personIndex.get(p.name)!);
  const shift = (p: Person, day: number) => (day < o.days ? shiftOn(p, day, rngFor(p, day)) : undefined);

  const instances: Instance[] = [];
  const injected: RawEvent[] = [];
  if (o.inject) {
    const srng = new Rng(o.seed).fork(3);
    const slots = [];
    for (let d = o.warmupDays; d < o.days; d++) slots.push(d);
    for (let i = slots.length - 1; i > 0; i--) {
      const j = srng.int(0, i);
      [slots[i], slots[j]] = [slots[j]!, slots[i]!];
    }
    let k = 0;
    for (let i = 0; i < o.perScenario; i++)
      for (const scenario of SCENARIOS) {
        // A week-long drip must fit in the run (one started on the last day is not a drip yet).
        const day = scenario === 'slow-drip' ? Math.min(slots[k++ % slots.length]!, o.days - 5) : slots[k++ % slots.length]!;
        const id = `${scenario}#${i + 1}`;
        const made = makeInstance(scenario, { org, rng: srng.fork(k), day, id, shift });
        if (!made || made.events.length === 0) continue;
        instances.push({ id, scenario, person: made.person, day, entries: [], days: [] });
        injected.push(...made.events);
      }
    injected.sort((a, b) => a.t - b.t);
  }
  const byId = new Map(instances.map((x) => [x.id, x]));
  const labels = new Map<number, string>();

  function* days(): Generator<DayBatch> {
    const counter = { next: 0 };
    let carry: RawEvent[] = [];
    let inj = 0;
    for (let day = 0; day < o.days + 1; day++) {
      const end = (day + 1) * DAY;
      const events = carry;
      if (o.context && day < o.days) events.push(...wardContext(org, day));
      if (day < o.days) for (const p of org.people) cleanDay(org, p, day, rngFor(p, day), events);
      while (inj < injected.length && injected[inj]!.t < end) events.push(injected[inj++]!);
      events.sort((a, b) => a.t - b.t);
      const numbered = numberDay(events, end, day === o.days, counter, byId, labels);
      carry = numbered.carry;
      const out = numbered.out;
      yield { day, entries: out };
    }
  }
  return { people: org.people.length, detectorConfig: detectorConfigFor(org), instances, labels, days };
}

/** The hospital's own context feed: the directory (team = ward) before day 0, each day's admissions (ward ↔ patient) at its start. */
function wardContext(org: Org, day: number): RawEvent[] {
  const t = day * DAY - 1;
  const out: RawEvent[] = [];
  if (day === 0) {
    const people = org.people.map((p) => ({ person: p.name, role: p.role, team: p.dept && !p.float ? p.dept : p.role }));
    for (let i = 0; i < people.length; i += 400) out.push({ t, entry: { v: 1, kind: 'context.update', source: 'import', people: people.slice(i, i + 400) } });
  }
  const from = new Date(EPOCH + day * DAY).toISOString();
  const to = new Date(EPOCH + day * DAY + DAY - 1).toISOString();
  const rels = [...org.active[day]!].flatMap(([dept, ps]) => ps.map((subject) => ({ team: dept, subject, kind: 'admission', from, to })));
  for (let i = 0; i < rels.length; i += 400) out.push({ t, entry: { v: 1, kind: 'context.update', source: 'import', relationships: rels.slice(i, i + 400) } });
  return out;
}

/**
 * Numbers one day's events (sorted by time) in log order: an event past the
 * day's end waits for the next day (`carry`) unless this is the last batch;
 * `labels` and each misuse instance record the entries the misuse made.
 */
export function numberDay(events: RawEvent[], end: number, last: boolean, counter: { next: number }, byId: Map<string, Instance>, labels: Map<number, string>): { out: DayBatch['entries']; carry: RawEvent[] } {
  const carry: RawEvent[] = [];
  const out: DayBatch['entries'] = [];
  for (const e of events) {
    if (e.t >= end && !last) {
      carry.push(e);
      continue;
    }
    const index = counter.next++;
    e.index = index;
    // Generator times count from day 0; the log sees real timestamps from EPOCH.
    const entry: Record<string, unknown> = { ...e.entry, time: new Date(EPOCH + e.t).toISOString() };
    if (e.parent) entry.access = e.parent.index;
    if (e.label) {
      labels.set(index, e.label);
      const inst = byId.get(e.label);
      inst?.entries.push(index);
      const d = Math.floor(e.t / DAY);
      if (inst && !inst.days.includes(d)) inst.days.push(d);
    }
    out.push({ index, entry });
  }
  return { out, carry };
}

// A labelled dataset for any shape: clean traffic (work.ts), misuse
// (misuse.ts), and — when `context` is on — the organisation's context feeds as
// `context.update` entries: the directory and open-ended relationships (panels,
// portfolios) before day 0, each day's relationships (appointments, cases,
// orders) at the start of that day, as a nightly import would deliver them.
// Without context the detector gets only what docs/detect.md asks for: the
// watch list in its config, and what it learns from the log.
import type { DetectorConfigInput } from '../../src/detect/config.js';
import type { RawEvent } from '../emit.js';
import { EPOCH, numberDay, type Dataset, type DayBatch, type GenOptions } from '../generator.js';
import { Rng } from '../rng.js';
import { SCENARIOS, type Instance } from '../scenarios.js';
import { makeShapeInstance } from './misuse.js';
import { DAY, type RelItem, type ShapeOrg, type Worker } from './model.js';
import { cleanShapeDay, shiftOf } from './work.js';

/** Items per context entry (the API's limit per list keeps an entry far below 64 KiB). */
const CHUNK = 400;

function contextEntries(t: number, update: { people?: object[]; relationships?: RelItem[]; subjects?: object[] }): RawEvent[] {
  const out: RawEvent[] = [];
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(EPOCH + ms).toISOString());
  for (const [field, items] of Object.entries(update) as [string, object[]][]) {
    for (let i = 0; i < items.length; i += CHUNK) {
      const chunk = items.slice(i, i + CHUNK).map((x) =>
        field === 'relationships' ? JSON.parse(JSON.stringify({ ...x, from: iso((x as RelItem).from), to: iso((x as RelItem).to) })) : x,
      );
      out.push({ t, entry: { v: 1, kind: 'context.update', source: 'import', [field]: chunk } });
    }
  }
  return out;
}

export function shapeDetectorConfig(org: ShapeOrg): DetectorConfigInput {
  return {
    watchlist: org.sensitive.map((s) => ({ ids: [s.subject], label: s.label, related: s.employee ? [s.employee] : [], allowed: s.allowed, allowedGroups: [] })),
    purposes: [{ match: { source: 'pg-proxy', action: ['select', 'copy_out'], relations: [org.tables.subjects, org.tables.sensitive] }, pattern: '^(debug|incident):', label: 'a debug:/incident: ticket' }],
  };
}

export function generateShape(org: ShapeOrg, o: GenOptions & { context: boolean }): Dataset {
  const base = new Rng(o.seed).fork(2);
  const index = new Map(org.people.map((p, i) => [p.name, i]));
  const rngFor = (p: Worker, day: number) => base.fork(day, index.get(p.name)!);
  const workCache = new Map<string, string[]>();
  const workFor = (p: Worker, day: number) => {
    const k = `${p.name}/${day}`;
    let w = workCache.get(k);
    if (!w) workCache.set(k, (w = day < 0 ? [] : org.work(p, day, base.fork(day, index.get(p.name)!, 5))));
    return w;
  };
  const shift = (p: Worker, day: number) => (day < o.days ? shiftOf(p, day, rngFor(p, day)) : undefined);

  const instances: Instance[] = [];
  const injected: RawEvent[] = [];
  if (o.inject) {
    const srng = new Rng(o.seed).fork(3);
    // Instances on distinct days as far as the run allows, as ward's generator does (eval/generator.ts):
    // several insiders on one day would share its one or two alert slots and measure the budget, not the rules.
    const used = new Set<number>();
    let k = 0;
    for (let i = 0; i < o.perScenario; i++)
      for (const scenario of SCENARIOS) {
        const last = scenario === 'slow-drip' ? o.days - 5 : o.days - 1;
        const id = `${scenario}#${i + 1}`;
        // A day someone of the right kind works (a practice is closed at weekends): try a few.
        let day = 0;
        let made;
        for (let tries = 0; tries < 40 && !made; tries++) {
          day = srng.int(o.warmupDays, Math.max(o.warmupDays, last));
          if (tries < 30 && used.has(day)) continue;
          made = makeShapeInstance(scenario, { org, rng: srng.fork(++k), day, id, shift, work: workFor });
        }
        if (!made || made.events.length === 0) continue;
        used.add(day);
        instances.push({ id, scenario, person: made.person, day, entries: [], days: [] });
        injected.push(...made.events);
      }
    injected.sort((a, b) => a.t - b.t);
  }
  const byId = new Map(instances.map((x) => [x.id, x]));
  const labels = new Map<number, string>();
  const byDay = new Map<number, RelItem[]>();
  const standing: RelItem[] = [];
  for (const r of org.relationships) {
    if (r.from === undefined) standing.push(r);
    else {
      const d = Math.floor(r.from / DAY);
      byDay.set(d, [...(byDay.get(d) ?? []), r]);
    }
  }

  function* days(): Generator<DayBatch> {
    const counter = { next: 0 };
    let carry: RawEvent[] = [];
    let inj = 0;
    for (let day = 0; day < o.days + 1; day++) {
      const end = (day + 1) * DAY;
      const events: RawEvent[] = [];
      if (o.context && day === 0)
        events.push(
          ...contextEntries(-1, {
            people: org.people.map((p) => ({ person: p.name, role: p.role, team: p.team })),
            relationships: standing,
            subjects: org.sensitive.map((s) => ({ subject: s.subject, relation: s.relation, label: s.label, ...(s.employee ? { employee: s.employee } : {}) })),
          }),
        );
      if (o.context && day < o.days) events.push(...contextEntries(day * DAY, { relationships: byDay.get(day) ?? [] }));
      const fresh: RawEvent[] = [...carry];
      if (day < o.days) for (const p of org.people) cleanShapeDay(org, p, day, rngFor(p, day), fresh, workFor);
      while (inj < injected.length && injected[inj]!.t < end) fresh.push(injected[inj++]!);
      fresh.sort((a, b) => a.t - b.t);
      const numbered = numberDay([...events, ...fresh], end, day === o.days, counter, byId, labels);
      carry = numbered.carry;
      const out = numbered.out;
      yield { day, entries: out };
    }
  }
  return { people: org.people.length, detectorConfig: shapeDetectorConfig(org), instances, labels, days };
}

// Scores the detector on a generated dataset the way it is used: the detector
// itself keeps alerts within its daily budget (src/detect/budget.ts, 5 per
// 1,000 people per day by default) and everything else stays a finding. A
// reviewer opening an alert sees the person's findings of that day (their
// case), so a misuse instance counts as caught when an alert about its person
// was raised on a day a finding cites one of its entries. Measured per misuse
// type: recall at the budget, precision, alerts per day per 1,000 people, and
// the rank of the misuse among the day's findings (by score). Clean traffic
// (the same seed with nothing injected) gives the false alerts per day.
import { Detector } from '../src/detect/detector.js';
import type { Finding } from '../src/detect/finding.js';
import { EPOCH, generate, type Dataset, type GenOptions } from './generator.js';
import { Rng } from './rng.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { buildBankOrg } from './shapes/bank.js';
import { buildClaimsOrg } from './shapes/claims.js';
import { generateShape } from './shapes/dataset.js';
import { buildPanelOrg } from './shapes/panel.js';
import { buildRetailOrg } from './shapes/retail.js';
import { buildServicesOrg } from './shapes/services.js';
import { DAY } from './traffic.js';

export const SHAPES = ['ward', 'services', 'panel', 'bank', 'retail', 'claims'] as const;
export type Shape = (typeof SHAPES)[number];
/**
 * Shapes the detector's settings were tuned on; the others are held out and only reported.
 * `retail` was held out until its misses shaped the level-above and team-coverage changes
 * (7 December 2026): from then on it is a tuning shape. `claims` was written before the last
 * of those changes was committed and run once with the final settings; no setting changed after.
 */
export const TUNING: readonly Shape[] = ['ward', 'services', 'retail'];
export const HELD_OUT: readonly Shape[] = ['panel', 'bank', 'claims'];

export interface EvalOptions extends GenOptions {
  /** Alerts per 1,000 people per day (the detector's budget). */
  budgetPer1000: number;
  shape?: Shape;
  /** Also run the clean traffic for false alerts per day (default true). */
  cleanRun?: boolean;
  /** Detector settings merged over the shape's own (a tuning sweep: `eval:detect -- --set context.maxLearnedTeamCoverage=0.3`). */
  settings?: Record<string, unknown>;
}

/** `base` with `over` merged in, objects member by member (arrays and values replaced). */
export function mergeSettings<T>(base: T, over: Record<string, unknown> | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? mergeSettings(b, v as Record<string, unknown>) : v;
  }
  return out as T;
}

export interface ScenarioResult {
  scenario: Scenario;
  instances: number;
  detected: number;
  recall: number;
  /** Alerts citing this scenario / alerts raised on the days its instances ran. */
  precision: number;
  /** Caught by any finding at all, alert or not (a diagnostic). */
  raisedRecall: number;
  /** Rank of each instance's best finding among its day's cases by score (1 = top; Infinity: no finding). */
  ranks: number[];
  missed: string[];
  /** Why each missed instance was missed (see `diagnose`). */
  why: Miss[];
}

/**
 * Why a misuse instance did not become an alert:
 * - `budget`: a finding scored at or above the day's threshold, but the day's slots went to stronger cases;
 * - `crowded`: the same, but every slot of the day went to other injected misuse (more misuse that day than slots);
 * - `below`: its best finding scored below the day's threshold (routine cases scored as high);
 * - `explained`: nothing was raised because an explanation covered it (relationship, team work, collaborator, engagement);
 * - `silent`: nothing was raised: no rule fired, a rule was quiet (warm-up, routine habit), cooldown, or under minScore.
 */
export type MissCause = 'budget' | 'crowded' | 'below' | 'explained' | 'silent';
export interface Miss {
  id: string;
  cause: MissCause;
  /** Best finding score and the day's threshold, when there was a finding. */
  score?: number;
  threshold?: number;
  /** The traced reasons (detector.trace) for its entries, most frequent first. */
  detail: string[];
}

export interface RunStats {
  entries: number;
  findings: number;
  ms: number;
}

export interface EvalResult {
  options: EvalOptions;
  shape: Shape;
  people: number;
  scenarios: ScenarioResult[];
  alerts: number;
  alertsTrue: number;
  precision: number;
  /** Alerts raised per day per 1,000 people after warm-up (mixed traffic). */
  alertsPerDayPer1000: number;
  clean: { alertsPerDayPer1000: number; findingsPerDay: number; alertsByRule: Record<string, number> };
  run: RunStats;
  cleanRun: RunStats;
}

export function dataset(o: EvalOptions, inject: boolean): Dataset {
  const shape = o.shape ?? 'ward';
  if (shape === 'ward') return generate({ ...o, inject });
  const rng = new Rng(o.seed).fork(1);
  const build = { panel: buildPanelOrg, bank: buildBankOrg, retail: buildRetailOrg, services: buildServicesOrg, claims: buildClaimsOrg }[shape];
  const org = build(rng, o.people, o.days);
  return generateShape(org, { ...o, inject, context: o.context ?? false });
}

interface Run {
  ds: Dataset;
  findings: Finding[];
  stats: RunStats;
  /** The budget's threshold per day. */
  thresholds: Map<number, number>;
  /** Traced reasons per labelled entry index (why it raised nothing). */
  traces: Map<number, string[]>;
  /**
   * Finding id → the day it was first decided (the day of the entries being observed when it came out):
   * the day whose allowance it competed for. A glance judged the next morning competes for the next day's.
   */
  decided: Map<string, number>;
}

function run(o: EvalOptions, inject: boolean): Run {
  const ds = dataset(o, inject);
  const detector = new Detector(mergeSettings({ ...ds.detectorConfig, budget: { perThousand: o.budgetPer1000 } }, o.settings));
  const traces = new Map<number, string[]>();
  if (inject) detector.trace = (index, stage, why) => void (ds.labels.has(index) && traces.set(index, [...(traces.get(index) ?? []), `${stage}: ${why}`]));
  const findings: Finding[] = [];
  const thresholds = new Map<number, number>();
  let entries = 0;
  let ms = 0;
  const decided = new Map<string, number>();
  const found = (f: Finding, day: number) => {
    findings.push(f);
    if (!decided.has(f.id)) decided.set(f.id, day);
  };
  for (const batch of ds.days()) {
    const t0 = performance.now();
    for (const { index, entry } of batch.entries) for (const f of detector.observe(index, entry)) found(f, batch.day);
    ms += performance.now() - t0;
    entries += batch.entries.length;
    thresholds.set(batch.day, detector.status().threshold);
  }
  // A deployment's clock keeps moving after the last entry: the glances whose window is still
  // open are judged, and the cases held for the last days' allowance are decided (up to two days
  // past the end). Without this, misuse on the last day could be alerted only at once.
  const t0 = performance.now();
  // In steps of a minute, as a deployment ticks (every second): a glance is judged as its window closes, not a
  // day later (a finding judged more than budget.backfillHours after its access is history, and never pages).
  const last = Date.parse(detector.status().latestEntryTime ?? new Date(EPOCH).toISOString());
  for (let at = last + 60_000; at <= EPOCH + (o.days + 2) * DAY; at += 60_000) {
    const day = Math.floor((at - EPOCH) / DAY);
    for (const f of detector.advance(at)) found(f, day);
    thresholds.set(day, detector.status().threshold);
  }
  ms += performance.now() - t0;
  return { ds, findings, stats: { entries, findings: findings.length, ms: Math.round(ms) }, thresholds, traces, decided };
}

/** Why one missed instance was missed: its best finding against the day's threshold, else what the trace said. */
function diagnose(x: Dataset['instances'][number], best: Finding | undefined, r: Run, alerts: Finding[]): Miss {
  const counts = new Map<string, number>();
  for (const i of x.entries) for (const t of r.traces.get(i) ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  const detail = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([t, n]) => (n > 1 ? `${t} (×${n})` : t));
  if (best) {
    // The day whose allowance it competed for is the day it was decided, not the day of the access.
    const day = r.decided.get(best.id) ?? dayOf(best);
    const threshold = r.thresholds.get(day) ?? 0;
    // What took that day's slots: the alerts decided on it, strongest first.
    const won = alerts.filter((f) => (r.decided.get(f.id) ?? dayOf(f)) === day).sort((a, b) => b.score - a.score);
    const misuse = (f: Finding) => f.entries.some((i) => r.ds.labels.has(i)) || r.ds.instances.some((y) => y.person === f.subject && y.days.includes(dayOf(f)));
    const cause = best.score < threshold ? 'below' : won.length > 0 && won.every(misuse) ? 'crowded' : 'budget';
    const by = cause !== 'below' ? [`outranked by ${won.map((f) => `${f.rules?.join('+') ?? f.rule} ${f.score}${misuse(f) ? ' (misuse)' : ''}`).join(', ') || 'nothing (no slot left)'}`] : [];
    return { id: x.id, cause, score: best.score, threshold, detail: [`${best.rules?.join('+') ?? best.rule} ${best.score}`, ...by, ...detail] };
  }
  const explained = [...counts.keys()].some((t) => /^(explained|team|engaged|covering)/.test(t));
  return { id: x.id, cause: explained ? 'explained' : 'silent', detail };
}

const dayOf = (f: Finding) => Math.floor((Date.parse(f.time) - EPOCH) / DAY);

/** Alerts per rule combination (`foreign-record+pattern`), most first: where a budget goes. */
function byRule(fs: Finding[]): Record<string, number> {
  const n = new Map<string, number>();
  for (const f of fs) {
    const k = (f.rules ?? [f.rule]).join('+');
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...n].sort((a, b) => b[1] - a[1]));
}

export function evaluate(o: EvalOptions): EvalResult {
  const r = run(o, true);
  const { ds, findings, stats } = r;
  // A night shift of the last day runs past midnight: an instance whose entries fall on the day after is judged on
  // that day too (its alert would otherwise be cut off by the window). Alerts per day still count the run's days only.
  const spill = new Set(ds.instances.flatMap((x) => x.days).filter((d) => d >= o.days));
  const post = findings.filter((f) => dayOf(f) >= o.warmupDays && (dayOf(f) < o.days || spill.has(dayOf(f))));
  const alerts = post.filter((f) => f.alert !== false);
  const alertsInRun = alerts.filter((f) => dayOf(f) < o.days);
  const alertedCase = new Set(alerts.map((f) => `${f.subject}/${dayOf(f)}`));
  const cited = (f: Finding) => new Set(f.entries.map((i) => ds.labels.get(i)).filter((x): x is string => x !== undefined));
  // Cases per day ranked by their best score, for the rank of each misuse instance.
  const best = new Map<string, number>();
  for (const f of post) best.set(`${f.subject}/${dayOf(f)}`, Math.max(best.get(`${f.subject}/${dayOf(f)}`) ?? 0, f.score));
  const rankOn = (day: number, score: number) => 1 + [...best].filter(([k, s]) => k.endsWith(`/${day}`) && s > score).length;
  const caught = new Set<string>();
  const raised = new Set<string>();
  const rank = new Map<string, number>();
  const bestOf = new Map<string, Finding>();
  for (const f of post)
    for (const id of cited(f)) {
      raised.add(id);
      if ((bestOf.get(id)?.score ?? -1) < f.score) bestOf.set(id, f);
      if (alertedCase.has(`${f.subject}/${dayOf(f)}`)) caught.add(id);
      rank.set(id, Math.min(rank.get(id) ?? Infinity, rankOn(dayOf(f), f.score)));
    }
  const alertsTrue = alertsInRun.filter((f) => cited(f).size > 0 || [...caught].some((id) => ds.instances.find((x) => x.id === id)?.person === f.subject && ds.instances.find((x) => x.id === id)?.days.includes(dayOf(f)))).length;
  const alertsOn = (days: Set<number>) => alerts.filter((f) => days.has(dayOf(f)));
  const scenarios: ScenarioResult[] = SCENARIOS.map((scenario) => {
    const xs = ds.instances.filter((x) => x.scenario === scenario);
    const days = new Set(xs.flatMap((x) => x.days));
    const people = new Set(xs.map((x) => x.person));
    const on = alertsOn(days);
    const hits = on.filter((f) => people.has(f.subject) && xs.some((x) => x.person === f.subject && x.days.includes(dayOf(f)))).length;
    return {
      scenario,
      instances: xs.length,
      detected: xs.filter((x) => caught.has(x.id)).length,
      recall: xs.length ? xs.filter((x) => caught.has(x.id)).length / xs.length : 0,
      precision: on.length ? hits / on.length : 0,
      raisedRecall: xs.length ? xs.filter((x) => raised.has(x.id)).length / xs.length : 0,
      ranks: xs.map((x) => rank.get(x.id) ?? Infinity),
      missed: xs.filter((x) => !caught.has(x.id)).map((x) => `${x.id} (${x.person}, day ${x.day})`),
      why: xs.filter((x) => !caught.has(x.id)).map((x) => diagnose(x, bestOf.get(x.id), r, alerts)),
    };
  });
  const postDays = o.days - o.warmupDays;
  const per1000 = (n: number) => (1000 * n) / postDays / ds.people;
  const clean = o.cleanRun === false ? { findings: [] as Finding[], stats: { entries: 0, findings: 0, ms: 0 } } : run(o, false);
  const cleanPost = clean.findings.filter((f) => dayOf(f) >= o.warmupDays && dayOf(f) < o.days);
  return {
    options: o,
    shape: o.shape ?? 'ward',
    people: ds.people,
    scenarios,
    alerts: alertsInRun.length,
    alertsTrue,
    precision: alertsInRun.length ? alertsTrue / alertsInRun.length : 0,
    alertsPerDayPer1000: per1000(alertsInRun.length),
    clean: { alertsPerDayPer1000: per1000(cleanPost.filter((f) => f.alert !== false).length), findingsPerDay: cleanPost.length / postDays, alertsByRule: byRule(cleanPost.filter((f) => f.alert !== false)) },
    run: stats,
    cleanRun: clean.stats,
  };
}

// Scores the detector on a generated dataset the way it would be used: each
// day, reviewers look at a fixed budget of alerts (5 per 1,000 people per day
// by default), highest score first. An alert is a person's findings of the day
// taken together (a reviewer opens the person's case, not each finding; the
// case ranks by its strongest finding), so five findings about one person use
// one slot, not five; a person whose case was reviewed in the last 3 days is
// already under review and ranks after fresh cases. A misuse instance counts as
// caught when a reviewed case has a finding citing one of its entries. Clean traffic (the same seed
// with nothing injected) measures the false alerts per day.
import { Detector } from '../src/detect/detector.js';
import type { Finding } from '../src/detect/finding.js';
import { EPOCH, generate, type GenOptions } from './generator.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { DAY } from './traffic.js';

export interface EvalOptions extends GenOptions {
  /** Alerts reviewers look at per 1,000 people per day. */
  budgetPer1000: number;
  /** Also run the clean traffic for false alerts per day (default true). */
  cleanRun?: boolean;
}

export interface ScenarioResult {
  scenario: Scenario;
  instances: number;
  /** Caught within the review budget. */
  detected: number;
  recall: number;
  /** Reviewed alerts that cite this scenario's entries. */
  reviewedHits: number;
  /** Reviewed alerts citing this scenario / reviewed alerts on the days its instances ran. */
  precision: number;
  /** Caught by any alert at all, ignoring the budget (a diagnostic). */
  raisedRecall: number;
  missed: string[];
}

export interface RunStats {
  entries: number;
  findings: number;
  ms: number;
}

export interface EvalResult {
  options: EvalOptions;
  people: number;
  budgetPerDay: number;
  scenarios: ScenarioResult[];
  reviewed: number;
  reviewedTrue: number;
  precision: number;
  /** Reviewed alerts on post-warm-up days that cite no misuse, per day (mixed traffic). */
  falseReviewedPerDay: number;
  /** Clean traffic, post-warm-up: alerts raised per day, of which high severity, and reviewed per day. */
  clean: { raisedPerDay: number; highPerDay: number; reviewedPerDay: number };
  run: RunStats;
  cleanRun: RunStats;
}

interface Collected {
  findings: Finding[];
  stats: RunStats;
}

function runDetector(o: EvalOptions, inject: boolean): { ds: ReturnType<typeof generate>; got: Collected } {
  const ds = generate({ ...o, inject });
  const detector = new Detector(ds.detectorConfig);
  const findings: Finding[] = [];
  let entries = 0;
  let ms = 0;
  for (const batch of ds.days()) {
    const t0 = performance.now();
    for (const { index, entry } of batch.entries) for (const f of detector.observe(index, entry)) findings.push(f);
    ms += performance.now() - t0;
    entries += batch.entries.length;
  }
  return { ds, got: { findings, stats: { entries, findings: findings.length, ms: Math.round(ms) } } };
}

/** A person whose case was reviewed in the last this many days is already under review: their new findings rank after fresh cases. */
const OPEN_CASE_DAYS = 3;

const dayOf = (f: Finding) => Math.floor((Date.parse(f.time) - EPOCH) / DAY);

/** Per post-warm-up day, the alerts reviewers look at: a fractional budget carried over days, best score first. */
function review(findings: Finding[], o: EvalOptions): { byDay: Map<number, Finding[]>; reviewed: Map<number, Finding[][]>; perDay: number } {
  const perDay = (o.budgetPer1000 * o.people) / 1000;
  const byDay = new Map<number, Finding[]>();
  for (const f of findings) {
    const d = dayOf(f);
    if (d < o.warmupDays || d >= o.days) continue;
    byDay.set(d, [...(byDay.get(d) ?? []), f]);
  }
  const reviewed = new Map<number, Finding[][]>();
  /** Subject → last day their case was reviewed: an open case does not take a new slot every day. */
  const underReview = new Map<string, number>();
  const open = (subject: string, d: number) => d - (underReview.get(subject) ?? -Infinity) <= OPEN_CASE_DAYS;
  for (let d = o.warmupDays; d < o.days; d++) {
    const k = d - o.warmupDays;
    const quota = Math.floor(perDay * (k + 1)) - Math.floor(perDay * k);
    const cases = new Map<string, Finding[]>();
    for (const f of byDay.get(d) ?? []) cases.set(f.subject, [...(cases.get(f.subject) ?? []), f]);
    const top = (fs: Finding[]) => fs.reduce((a, b) => (b.score > a.score || (b.score === a.score && b.id < a.id) ? b : a));
    const ranked = [...cases.values()].map((fs) => ({ fs, best: top(fs) }));
    ranked.sort((a, b) => Number(open(a.best.subject, d)) - Number(open(b.best.subject, d)) || b.best.score - a.best.score || (a.best.id < b.best.id ? -1 : 1));
    const today = ranked.slice(0, quota).map((c) => c.fs);
    for (const fs of today) underReview.set(fs[0]!.subject, d);
    reviewed.set(d, today);
  }
  return { byDay, reviewed, perDay };
}

export function evaluate(o: EvalOptions): EvalResult {
  const { ds, got } = runDetector(o, true);
  const { reviewed, perDay } = review(got.findings, o);
  const instanceOf = (f: Finding) => new Set(f.entries.map((i) => ds.labels.get(i)).filter((x): x is string => x !== undefined));
  const caught = new Set<string>();
  const raisedCaught = new Set<string>();
  for (const f of got.findings) for (const id of instanceOf(f)) raisedCaught.add(id);
  let reviewedCount = 0;
  let reviewedTrue = 0;
  const hitsBy = new Map<string, number>();
  const reviewedOnDay = (d: number) => reviewed.get(d)?.length ?? 0;
  for (const cases of reviewed.values())
    for (const fs of cases) {
      reviewedCount++;
      const ids = new Set(fs.flatMap((f) => [...instanceOf(f)]));
      if (ids.size > 0) reviewedTrue++;
      for (const id of ids) {
        caught.add(id);
        const sc = id.slice(0, id.indexOf('#'));
        hitsBy.set(sc, (hitsBy.get(sc) ?? 0) + 1);
      }
    }
  const scenarios: ScenarioResult[] = SCENARIOS.map((scenario) => {
    const xs = ds.instances.filter((x) => x.scenario === scenario);
    const detected = xs.filter((x) => caught.has(x.id)).length;
    const days = new Set(xs.flatMap((x) => x.days));
    const reviewedThen = [...days].reduce((a, d) => a + reviewedOnDay(d), 0);
    const hits = hitsBy.get(scenario) ?? 0;
    return {
      scenario,
      instances: xs.length,
      detected,
      recall: xs.length ? detected / xs.length : 0,
      reviewedHits: hits,
      precision: reviewedThen ? hits / reviewedThen : 0,
      raisedRecall: xs.length ? xs.filter((x) => raisedCaught.has(x.id)).length / xs.length : 0,
      missed: xs.filter((x) => !caught.has(x.id)).map((x) => `${x.id} (${x.person}, day ${x.day})`),
    };
  });
  const postDays = o.days - o.warmupDays;
  const clean = o.cleanRun === false ? { findings: [], stats: { entries: 0, findings: 0, ms: 0 } } : runDetector(o, false).got;
  const cleanReview = review(clean.findings, o);
  const cleanPost = [...cleanReview.byDay.values()].flat();
  return {
    options: o,
    people: ds.org.people.length,
    budgetPerDay: perDay,
    scenarios,
    reviewed: reviewedCount,
    reviewedTrue,
    precision: reviewedCount ? reviewedTrue / reviewedCount : 0,
    falseReviewedPerDay: (reviewedCount - reviewedTrue) / postDays,
    clean: {
      raisedPerDay: cleanPost.length / postDays,
      highPerDay: cleanPost.filter((f) => f.severity === 'high').length / postDays,
      reviewedPerDay: [...cleanReview.reviewed.values()].flat().length / postDays,
    },
    run: got.stats,
    cleanRun: clean.stats,
  };
}

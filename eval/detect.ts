// `npm run eval:detect [-- --seed N --people N --days N --per-scenario N --budget N]`
// Generates a labelled dataset, runs the detector, prints one JSON line per
// scenario and a summary line, then a readable table.
import { evaluate, type EvalOptions, type EvalResult } from './evaluate.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`);
  return v;
}

export const DEFAULTS: EvalOptions = { seed: 7, people: 1000, days: 30, warmupDays: 10, perScenario: 4, budgetPer1000: 5, inject: true };

function table(r: EvalResult): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`.padStart(5);
  const lines = [
    `detector evaluation: ${r.people} people, ${r.options.days} days (${r.options.warmupDays} warm-up), seed ${r.options.seed}, budget ${r.budgetPerDay.toFixed(1)} alerts/day`,
    '',
    'scenario             inst  caught  recall  precision  any-alert',
    ...r.scenarios.map(
      (s) =>
        `${s.scenario.padEnd(20)} ${String(s.instances).padStart(4)}  ${String(s.detected).padStart(6)}  ${pct(s.recall)}   ${pct(s.precision)}      ${pct(s.raisedRecall)}`,
    ),
    '',
    `reviewed alerts: ${r.reviewed}, citing misuse: ${r.reviewedTrue} (precision ${pct(r.precision).trim()}), false reviewed alerts/day: ${r.falseReviewedPerDay.toFixed(2)}`,
    `clean traffic: ${r.clean.raisedPerDay.toFixed(1)} alerts raised/day (${r.clean.highPerDay.toFixed(1)} high), ${r.clean.reviewedPerDay.toFixed(1)} reviewed/day`,
    `detector: ${r.run.entries.toLocaleString('en-US')} entries in ${(r.run.ms / 1000).toFixed(1)} s (${Math.round(r.run.entries / (r.run.ms / 1000)).toLocaleString('en-US')}/s)`,
  ];
  const missed = r.scenarios.flatMap((s) => s.missed);
  if (missed.length) lines.push(`missed: ${missed.join('; ')}`);
  return lines.join('\n');
}

const o: EvalOptions = {
  ...DEFAULTS,
  seed: arg('seed', DEFAULTS.seed),
  people: arg('people', DEFAULTS.people),
  days: arg('days', DEFAULTS.days),
  warmupDays: arg('warmup', DEFAULTS.warmupDays),
  perScenario: arg('per-scenario', DEFAULTS.perScenario),
  budgetPer1000: arg('budget', DEFAULTS.budgetPer1000),
};
const r = evaluate(o);
for (const s of r.scenarios) console.log(JSON.stringify({ type: 'scenario', seed: o.seed, ...s }));
const { scenarios: _s, ...summary } = r;
console.log(JSON.stringify({ type: 'summary', ...summary }));
console.log(`\n${table(r)}`);

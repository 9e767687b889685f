// `npm run eval:detect [-- --shapes ward,services,panel,bank --context both --seeds 1,2,3,4,5
//                        --people 300 --days 21 --warmup 7 --per-scenario 1 --budget 5 --clean]`
// Runs the detector over every shape × context feed (on/off) × seed, prints one
// JSON line per run and per scenario, then a table per shape and feed pooled
// over seeds: recall at the budget, precision, alerts/day/1,000 people and the
// worst rank of real misuse. Shapes tuned on vs held out: eval/evaluate.ts.
import { evaluate, HELD_OUT, SHAPES, type EvalResult, type Shape } from './evaluate.js';
import { SCENARIOS } from './scenarios.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
function num(name: string, fallback: number): number {
  const v = Number(arg(name, String(fallback)));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`);
  return v;
}

const shapes = arg('shapes', SHAPES.join(',')).split(',') as Shape[];
for (const s of shapes) if (!SHAPES.includes(s)) throw new Error(`unknown shape ${s}; one of ${SHAPES.join(', ')}`);
const contexts = { both: [true, false], on: [true], off: [false] }[arg('context', 'both')] ?? [true, false];
const seeds = arg('seeds', '1,2,3,4,5').split(',').map(Number);
const base = { people: num('people', 300), days: num('days', 21), warmupDays: num('warmup', 7), perScenario: num('per-scenario', 1), budgetPer1000: num('budget', 5), inject: true };
const cleanRun = process.argv.includes('--clean');
/** `--set a.b=value` (repeatable): detector settings over every shape's own, for a tuning sweep; printed with each run. */
const settings: Record<string, unknown> = {};
process.argv.forEach((a, i) => {
  if (a !== '--set') return;
  const [path, raw] = (process.argv[i + 1] ?? '').split('=');
  if (!path || raw === undefined) throw new Error('--set needs path=value, e.g. --set context.maxLearnedTeamCoverage=0.3');
  const keys = path.split('.');
  let at = settings;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = JSON.parse(raw) as unknown;
});
if (Object.keys(settings).length > 0) console.log(JSON.stringify({ type: 'settings', settings }));

const pct = (x: number) => `${Math.round(100 * x)}%`.padStart(5);
for (const shape of shapes)
  for (const context of contexts) {
    const runs: EvalResult[] = [];
    for (const seed of seeds) {
      const r = evaluate({ ...base, seed, shape, context, cleanRun, settings });
      runs.push(r);
      for (const s of r.scenarios) console.log(JSON.stringify({ type: 'scenario', shape, context, seed, ...s, ranks: s.ranks.map((x) => (Number.isFinite(x) ? x : null)) }));
      const { scenarios: _s, options: _o, ...summary } = r;
      console.log(JSON.stringify({ type: 'run', context, seed, ...summary }));
    }
    const lines = [
      `\n${shape} (${HELD_OUT.includes(shape) ? 'HELD OUT' : 'tuning'}), context feed ${context ? 'on' : 'off'}: ${runs[0]!.people} people, ${base.days} days (${base.warmupDays} warm-up), seeds ${seeds.join(',')}`,
      'scenario             inst  caught  recall  precision  worst-rank  any-finding',
    ];
    for (const sc of SCENARIOS) {
      const xs = runs.map((r) => r.scenarios.find((s) => s.scenario === sc)!);
      const inst = xs.reduce((a, s) => a + s.instances, 0);
      const det = xs.reduce((a, s) => a + s.detected, 0);
      const raised = xs.reduce((a, s) => a + s.raisedRecall * s.instances, 0);
      const worst = Math.max(0, ...xs.flatMap((s) => s.ranks));
      const prec = xs.reduce((a, s) => a + s.precision, 0) / xs.length;
      lines.push(`${sc.padEnd(20)} ${String(inst).padStart(4)}  ${String(det).padStart(6)}  ${pct(inst ? det / inst : 0)}   ${pct(prec)}      ${String(worst === Infinity ? '-' : worst).padStart(6)}      ${pct(inst ? raised / inst : 0)}`);
    }
    const mean = (f: (r: EvalResult) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
    lines.push(`alerts/day/1,000 people: ${mean((r) => r.alertsPerDayPer1000).toFixed(2)} (max ${Math.max(...runs.map((r) => r.alertsPerDayPer1000)).toFixed(2)}); precision ${pct(mean((r) => r.precision)).trim()}`);
    if (cleanRun) lines.push(`clean traffic: ${mean((r) => r.clean.alertsPerDayPer1000).toFixed(2)} alerts/day/1,000, ${mean((r) => r.clean.findingsPerDay).toFixed(1)} findings/day`);
    lines.push(`detector: ${runs.reduce((a, r) => a + r.run.entries, 0).toLocaleString('en-US')} entries in ${(runs.reduce((a, r) => a + r.run.ms, 0) / 1000).toFixed(1)} s`);
    const why = runs.flatMap((r) => r.scenarios.flatMap((s) => s.why.map((m, i) => `  seed ${r.options.seed} ${s.missed[i]}: ${m.cause}${m.score !== undefined ? ` (${m.score} vs threshold ${m.threshold})` : ''} — ${m.detail.join('; ') || 'no rule fired'}`)));
    if (why.length) lines.push('missed, and why (budget: outranked by routine cases; crowded: every slot went to other misuse; below: under the threshold; explained: explained away; silent: nothing fired):', ...why);
    const causes = new Map<string, number>();
    for (const r of runs) for (const s of r.scenarios) for (const m of s.why) causes.set(m.cause, (causes.get(m.cause) ?? 0) + 1);
    if (causes.size) lines.push(`misses by cause: ${[...causes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
    console.log(lines.join('\n'));
  }

// Rule: activity at an hour the person rarely works, judged against their own
// hour-of-day histogram (a night-shift nurse at 03:00 is normal; a day-shift
// billing clerk is not). How far the hour lies from the person's usual hours
// sets the strength: an early start or a late evening is an hour or two out, a
// 03:00 session of a day worker is many hours out. Needs a warm baseline.
import type { HourHistogram } from '../stats/hour-histogram.js';
import { fmt, ramp, type Signal } from '../signals.js';
import type { AccessContext } from './context.js';

/** Share of activity from which an hour counts as one of the person's usual hours. */
const USUAL = 0.02;

/** Hours (circular) from `hour` to the nearest usual hour; 12 if there is none. */
export function hoursFromUsual(h: HourHistogram, hour: number): number {
  let best = 12;
  for (let x = 0; x < 24; x++) {
    if ((h.counts[x] ?? 0) < USUAL * h.total) continue;
    const d = Math.abs(x - hour);
    best = Math.min(best, d, 24 - d);
  }
  return best;
}

export function offHoursSignals(ctx: AccessContext): Signal[] {
  const { p, cfg, hour } = ctx;
  const rule = cfg.rules.offHours;
  if (!rule.enabled || !p.warm(cfg, ctx.v.time)) return [];
  const share = p.hours.share(hour);
  if (share >= rule.maxShare) return [];
  const away = hoursFromUsual(p.hours, hour);
  if (away < 2) return [];
  return [
    {
      rule: 'off-hours',
      strength: rule.strength * (0.4 + 0.6 * ramp(away, 2, 5)),
      reason: `active at ${String(hour).padStart(2, '0')}:00, ${away} hours outside their usual hours (${p.hours.usualHours(USUAL)}; ${fmt(share * 100)}% of their past activity at this hour)`,
    },
  ];
}

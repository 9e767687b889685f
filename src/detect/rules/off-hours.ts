// Rule: activity at an hour the person rarely works, judged against their own
// hour-of-day histogram (a night-shift nurse at 03:00 is normal; a day-shift
// billing clerk is not). How far the hour lies from the person's usual hours
// sets the strength: an early start or a late evening is an hour or two out, a
// 03:00 session of a day worker is many hours out. Needs a warm baseline.
// Team context: when others of the same role were also working outside their
// own hours within the last 90 minutes, this is an incident or a call-out
// several people answer, and the signal is weaker (a lone night session stays
// strong).
import type { HourHistogram } from '../stats/hour-histogram.js';
import { fmt, ramp, type Signal } from '../signals.js';
import type { AccessContext } from './context.js';

/** Share of activity from which an hour counts as one of the person's usual hours. */
const USUAL = 0.02;
const TOGETHER_MS = 90 * 60_000;
const KEEP = 16;
const TOGETHER_FACTOR = 0.4;
const FAR = 3;

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
  const t = ctx.v.time;
  const others = ctx.g.offHours.filter(([who, at]) => who !== ctx.v.person && t - at < TOGETHER_MS).length;
  if (away >= FAR) {
    // Only well outside one's hours counts as working together at night (not a late evening running over).
    ctx.g.offHours = ctx.g.offHours.filter(([who, at]) => who !== ctx.v.person && t - at < TOGETHER_MS).slice(-KEEP + 1);
    ctx.g.offHours.push([ctx.v.person, t]);
  }
  const together = others > 0 ? `; ${others} other${others > 1 ? 's' : ''} in their role \`${ctx.v.group}\` also working off-hours` : '';
  return [
    {
      rule: 'off-hours',
      strength: rule.strength * (0.4 + 0.6 * ramp(away, 2, 8)) * (others > 0 ? TOGETHER_FACTOR : 1),
      reason: `active at ${String(hour).padStart(2, '0')}:00, ${away} hours outside their usual hours (${p.hours.usualHours(USUAL)}; ${fmt(share * 100)}% of their past activity at this hour${together})`,
    },
  ];
}

// A short entry stream for run.test.ts: a few ordinary days, then a VIP lookup
// and, past its 2-hour window, more ordinary work (which raises the held finding).
import { DAY, HOUR, T0, view } from './helpers.js';

export const AFTER_DAYS = 3;

export function stream(days: number): { index: number; entry: Record<string, unknown> }[] {
  const out: Record<string, unknown>[] = [];
  for (let d = 0; d < days; d++) for (let i = 0; i < 40; i++) out.push(view('alice', T0 + d * DAY + 9 * HOUR + i * 600_000, `p-${i % 12}`));
  out.push(view('bob', T0 + days * DAY + 10 * HOUR, 'p-vip'));
  for (let i = 0; i < 20; i++) out.push(view('alice', T0 + days * DAY + 13 * HOUR + i * 60_000, `p-${i % 12}`));
  return out.map((entry, index) => ({ index, entry }));
}

// Rule: access to watch-listed records (VIPs, employees' relatives, colleagues).
// Matching is by exact key as it appears in `resource.ids` / `statement.values`
// (value HMACs), so the detector never needs the clear value. The care team is
// configured per record (`allowed` persons, `allowedGroups` roles); a person
// related to the record (their own family) is reported at once, even then.
// Anyone else's look-up is held open for `windowMinutes` (open-lookups.ts): a
// support agent working a ticket or a nurse covering the ward goes on to work
// with the record and is reported weaker (`engaged`); a look that goes nowhere
// keeps its full strength. This is what ranks a curious look above the routine
// hits every watch list gets.
import type { DetectorConfig } from '../config.js';
import type { Signal } from '../signals.js';
import type { AccessContext } from './context.js';
import type { OpenLookups } from './open-lookups.js';

type WatchEntry = DetectorConfig['watchlist'][number];
export type WatchIndex = Map<string, WatchEntry[]>;

export function buildWatchIndex(cfg: DetectorConfig): WatchIndex {
  const index: WatchIndex = new Map();
  for (const w of cfg.watchlist) for (const id of w.ids) index.set(id, [...(index.get(id) ?? []), w]);
  return index;
}

export function watchlistSignals(ctx: AccessContext, index: WatchIndex, lookups: OpenLookups): Signal[] {
  if (index.size === 0 || ctx.v.keys.length === 0) return [];
  const hit = new Set<WatchEntry>();
  for (const k of ctx.v.keys) for (const w of index.get(k) ?? []) hit.add(w);
  const out: Signal[] = [];
  const person = ctx.v.person;
  for (const w of hit) {
    const others = w.related.filter((r) => r !== person);
    if (w.related.includes(person)) {
      out.push({
        rule: 'watchlist',
        strength: Math.max(w.strength, 0.95),
        reason: `looked up the record of ${w.label}, to whom they are personally related`,
        concerns: others,
      });
    } else if (!w.allowed.includes(person) && !w.allowedGroups.includes(ctx.v.group)) {
      const key = ctx.v.keys.find((k) => index.get(k)?.includes(w))!;
      if (lookups.has(key, person, 'watchlist')) continue;
      const rule = ctx.cfg.rules.watchlist;
      lookups.add({
        key,
        person,
        group: ctx.v.group,
        team: ctx.team,
        index: ctx.index,
        time: ctx.v.time,
        day: ctx.day,
        deadline: ctx.v.time + rule.windowMinutes * 60_000,
        count: 1,
        closed: false,
        engaged: false,
        onEngage: rule.engaged,
        teamDrops: false,
        report: true,
        signal: { rule: 'watchlist', strength: w.strength, reason: `accessed the watch-listed record of ${w.label}`, concerns: others, key: `watchlist|${w.label}` },
      });
    }
  }
  return out;
}

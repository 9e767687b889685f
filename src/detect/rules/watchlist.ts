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
import { explainAccess, type AccessContext } from './context.js';
import { outsideTheirWork } from './foreign-record.js';
import type { OpenLookups } from './open-lookups.js';

type WatchEntry = DetectorConfig['watchlist'][number];
/** Added to a look-up's strength outside everything assigned to the person, up to just under the never-calibrated 0.95. */
const OUTSIDE_BOOST = 0.15;
const OUTSIDE_MAX = 0.94;
export type WatchIndex = Map<string, WatchEntry[]>;

export function buildWatchIndex(cfg: DetectorConfig): WatchIndex {
  const index: WatchIndex = new Map();
  for (const w of cfg.watchlist) for (const id of w.ids) index.set(id, [...(index.get(id) ?? []), w]);
  return index;
}

/** Watch entries a key hits: the configured list, and subjects the context feeds mark as employees, relatives or VIPs. */
function hits(ctx: AccessContext, index: WatchIndex): Map<WatchEntry, string> {
  const hit = new Map<WatchEntry, string>();
  for (const k of ctx.v.keys) for (const w of index.get(k) ?? []) if (!hit.has(w)) hit.set(w, k);
  if (ctx.context.subjects.size > 0)
    for (const k of ctx.v.recordIds) {
      const s = ctx.context.subjects.get(k);
      if (!s) continue;
      const label = s.label ?? (s.relation === 'self' ? `employee ${s.employee ?? ''}` : s.relation === 'relative' ? `a relative of employee ${s.employee ?? ''}` : 'a VIP');
      const related = s.employee !== undefined ? [s.employee] : [];
      hit.set({ ids: [k], label, related, allowed: [], allowedGroups: [], strength: 0.8 }, k);
    }
  return hit;
}

export function watchlistSignals(ctx: AccessContext, index: WatchIndex, lookups: OpenLookups): Signal[] {
  if ((index.size === 0 && ctx.context.subjects.size === 0) || ctx.v.keys.length === 0) return [];
  const out: Signal[] = [];
  const person = ctx.v.person;
  for (const [w, key] of hits(ctx, index)) {
    const others = w.related.filter((r) => r !== person);
    if (w.related.includes(person)) {
      out.push({
        rule: 'watchlist',
        strength: Math.max(w.strength, 0.95),
        reason: `looked up the record of ${w.label}, to whom they are personally related`,
        concerns: others,
      });
    } else if (!w.allowed.includes(person) && !w.allowedGroups.includes(ctx.v.group)) {
      // Explain first: a care relationship or a regular collaborator on the record is the work, not a look-up.
      const why = explainAccess(ctx, key);
      if (why !== undefined) {
        ctx.trace?.(ctx.index, 'explained', why);
        continue;
      }
      if (lookups.has(key, person, 'watchlist')) continue;
      const rule = ctx.cfg.rules.watchlist;
      // Context weighs what is left: the team's own record, or one the person worked on before, is worth less.
      // A subject outside everything the organisation assigned to them and their team (foreign-record.ts) is not
      // their team's record, whoever touched it, and is the stronger for it: their own work almost never lies there.
      const outside = outsideTheirWork(ctx, key);
      const teamWorks = ctx.teamKeys.has(key) && !outside;
      const returning = ctx.learned?.knows(person, key, ctx.day) ?? false;
      const weight = (teamWorks ? 0.5 : 1) * (returning ? 0.6 : 1);
      const context = teamWorks || returning
        ? ` (${[teamWorks ? `their team \`${ctx.team}\` works with it` : '', returning ? 'they worked on it before' : ''].filter(Boolean).join(', ')})`
        : outside ? '; no relationship of theirs or their team\'s takes the subject in, though their work almost always lies within one' : '; no relationship, team or earlier work explains it';
      const signal: Signal = { rule: 'watchlist', strength: Math.min(OUTSIDE_MAX, w.strength * weight + (outside ? OUTSIDE_BOOST : 0)), reason: `accessed the watch-listed record of ${w.label}${context}`, concerns: others, key: `watchlist|${w.label}` };
      // A look-up is held to see whether it leads to work; a purpose the policy rejects already says it does not.
      if (ctx.purposeRejected) {
        out.push({ ...signal, strength: w.strength, reason: `${signal.reason}, with a purpose the policy does not accept` });
        continue;
      }
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
        signal,
      });
    }
  }
  return out;
}

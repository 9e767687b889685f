// Rule: a record established elsewhere (others have accessed it) that nobody in
// the person's team has touched in the last `contextDays` days — the care
// relationship learned from the log itself — and that the person then does not
// work with: the curiosity look-up of a patient from another ward.
//
// What keeps it from flagging legitimate cross-team work:
// - team context: the team is the department of the role (nurses and doctors of
//   oncology), so a nurse glancing at the patient her ward's doctor consults on,
//   or a transfer the ward is about to receive, is inside the team's context;
// - engagement (open-lookups.ts): writing to the record, coming back to it later,
//   or a teammate touching it within the window drops the look-up;
// - habit: people whose work routinely crosses teams (billing, support) engage
//   with other teams' records on most days (a learned per-day rate) and are not
//   flagged; a doctor who consults now and then is flagged a little weaker;
// - covering: a person who engaged with several foreign records that day is
//   working another team's list; their glances at that team's records (and at
//   records no other team touched lately) are dropped, not their glances at the
//   records a third team is working on.
// A record looked at again within minutes ("looked twice, did nothing") is a
// little stronger than a single look (a wrong click is one look).
import { levelAbove, type PersonState } from '../baseline.js';
import type { DetectorConfig } from '../config.js';
import { explainAccess, triedExplanations, type AccessContext } from './context.js';
import { WRITE_ACTIONS, type OpenLookup, type OpenLookups } from './open-lookups.js';

/** Share of working days with engaged cross-team work at which foreign records are routine for the person. */
const ROUTINE = 0.6;
/** Engaged foreign records in a day after which the person is taken to be covering another team. */
export const COVERING = 2;

/** Accesses (EWMA weight) behind a person's share of work within their relationships, and the count it needs. */
const WITHIN_ALPHA = 0.01;
const WITHIN_MIN = 200;
/** Share of a person's work within their relationships above which a record outside them is not their work. */
const WITHIN_USUAL = 0.9;

/** Learn whether this access's subject lay within a relationship of the person or their team (however broad). */
export function learnWithin(p: PersonState, within: boolean): void {
  p.withinRate += WITHIN_ALPHA * ((within ? 1 : 0) - p.withinRate);
  p.withinCount++;
}

/**
 * A record outside every relationship of the person and their team, for someone whose work almost always lies
 * within one: a billing office's accounts or a reception's appointments are too broad to explain a glance (they
 * cover most subjects), but a glance at a subject they do not cover is not that person's work. Their habit of
 * cross-team work (inside those relationships) is then no excuse.
 */
export function outsideTheirWork(ctx: AccessContext, key: string): boolean {
  const { p } = ctx;
  return ctx.context.relationships.size > 0 && p.withinCount >= WITHIN_MIN && p.withinRate >= WITHIN_USUAL && !ctx.context.covers(ctx.v.person, ctx.team, key, ctx.v.time);
}

/** The team of a role: the pattern's first capture group, else the role itself. */
export function teamOf(role: string, re: RegExp): string {
  return re.exec(role)?.[1] ?? role;
}

/**
 * Record ids (subjects) of this access that others work with, that the team has not
 * touched lately and that nothing explains: no relationship from the context feeds,
 * no regular collaborator on it (SQL literals are not record identities).
 */
export function foreignKeys(ctx: AccessContext): string[] {
  return ctx.v.recordIds.filter((k) => {
    if (!ctx.seen.has(k)) return false;
    if (ctx.teamKeys.has(k)) return void ctx.trace?.(ctx.index, 'team', `team \`${ctx.team}\` touched it lately`), false;
    const why = explainAccess(ctx, k);
    if (why !== undefined) ctx.trace?.(ctx.index, 'explained', why);
    return why === undefined;
  });
}

/** Open a look-up for the first foreign key of this access, if any. */
export function openForeign(ctx: AccessContext, foreign: readonly string[], lookups: OpenLookups): void {
  const { p, g, cfg, v } = ctx;
  const rule = cfg.rules.foreignRecord;
  if (!rule.enabled || foreign.length === 0 || WRITE_ACTIONS.has(v.action)) return;
  // A person still warming up is judged by the habit of the level above (their role, else everyone), not left silent.
  const warm = p.warm(cfg, v.time);
  const above = levelAbove(g, ctx.all, cfg);
  const rate = warm ? p.foreignRate : (above?.level.foreignRate ?? p.foreignRate);
  // One glance, one finding: several keys of one access describe the same record; a look-up already open is not reopened.
  const key = foreign[0]!;
  if (lookups.has(key, v.person, 'foreign-record')) return;
  const teams = ctx.teamsOf?.(key, ctx.team, ctx.day);
  // Outside their work, and in another team's hands lately (a dormant record outside it is as often a search gone wrong).
  const outside = teams !== undefined && teams.length > 0 && outsideTheirWork(ctx, key);
  const surprise = outside ? 1 : 1 - Math.min(1, rate / ROUTINE);
  const report = surprise > 0 && above !== undefined;
  if (ctx.trace && !report)
    ctx.trace(ctx.index, 'silent', surprise > 0 ? 'role and organisation still warming up' : `cross-team work is routine for ${warm ? 'them' : above!.who} (${Math.round(rate * 100)}% of days)`);
  const what = v.resourceType ? `a ${v.resourceType} record` : 'a record';
  lookups.add({
    key,
    person: v.person,
    group: v.group,
    team: ctx.team,
    index: ctx.index,
    time: v.time,
    day: ctx.day,
    deadline: v.time + rule.windowMinutes * 60_000,
    count: 1,
    closed: false,
    engaged: false,
    teamDrops: true,
    teams,
    report,
    signal: {
      rule: 'foreign-record',
      strength: rule.strength * surprise,
      reason: `opened ${what} that others work with and did not go on to work with it (${
        outside
          ? `no relationship of theirs or their team's takes the subject in, though ${Math.round(p.withinRate * 100)}% of their work lies within one`
          : `${warm ? 'they work' : `they are new; ${above?.who ?? 'their role'} works`} across teams on ${Math.round(rate * 100)}% of ${warm ? 'their' : 'its'} days`
      }); ${triedExplanations(ctx)}`,
    },
  });
}

/** The final signal of an expired foreign look-up: a repeated look counts a little more than one. */
export function foreignFinal(o: OpenLookup, cfg: DetectorConfig): OpenLookup {
  if (o.signal.rule !== 'foreign-record' || o.count < 2) return o;
  const strength = Math.min(1, o.signal.strength + 0.15 * cfg.rules.foreignRecord.strength);
  return { ...o, signal: { ...o.signal, strength, reason: `${o.signal.reason}; looked at it ${o.count} times` } };
}

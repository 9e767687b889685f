// The inputs every access rule sees. Rules read the baselines as they were
// *before* this entry (the detector learns from the entry afterwards), so an
// event is always judged against the person's past, never against itself.
import type { GroupState, PersonState } from '../baseline.js';
import type { DetectorConfig } from '../config.js';
import type { ContextBook } from '../context/context-book.js';
import type { LearnedGroups } from '../context/learned-groups.js';
import type { AccessView } from '../entry-view.js';
import type { BloomFilter } from '../stats/bloom.js';
import type { Desks } from '../stats/desks.js';
import type { RecentKeys } from '../stats/recent-keys.js';

export interface AccessContext {
  index: number;
  v: AccessView;
  p: PersonState;
  g: GroupState;
  /** Everyone: the population level above every role (names, norms and habits of the whole organisation). */
  all: GroupState;
  cfg: DetectorConfig;
  /** Local hour of day (0-23) and day number since the epoch, after cfg.utcOffsetMinutes. */
  hour: number;
  day: number;
  /** Every record key any access has carried so far. */
  seen: BloomFilter;
  /** The person's team (department of the role) and the records it touched in the last days. */
  team: string;
  teamKeys: RecentKeys;
  desks: Desks;
  context: ContextBook;
  learned: LearnedGroups | undefined;
  /** The teams other than `own` that touched a record in the last days (whose list a look-up of it belongs to). */
  teamsOf?: (key: string, own: string, day: number) => string[];
  /** The stated purpose fails the organisation's purpose policy for this access (rules/purpose.ts). */
  purposeRejected?: boolean;
  /** Diagnostics (Detector.trace): why an access was let go. */
  trace?: Trace;
}

/** Why an access raised nothing, for diagnostics (the evaluation's "why was this missed"). */
export type TraceStage = 'explained' | 'team' | 'engaged' | 'covering' | 'silent' | 'cooldown' | 'below-min';
export type Trace = (index: number, stage: TraceStage, why: string) => void;

/**
 * Explain first: why this person may work on this subject now — a relationship
 * from the organisation's feeds (theirs or their team's), or a regular
 * collaborator who worked on it lately. Undefined: nothing explains it.
 */
export function explainAccess(ctx: AccessContext, subject: string): string | undefined {
  const why = ctx.context.explain(ctx.v.person, ctx.team, subject, ctx.v.time);
  if (why) return why;
  const mate = ctx.learned?.explainer(ctx.v.person, subject, ctx.day);
  return mate ? `a regular collaborator (${mate}) worked on the subject lately` : undefined;
}

/** The explanations that were tried and failed, for the reason a reviewer reads. */
export function triedExplanations(ctx: AccessContext): string {
  const tried = [ctx.context.tried(), `nobody in their team \`${ctx.team}\` touched it in ${ctx.cfg.rules.foreignRecord.contextDays} days`];
  if (ctx.learned) tried.push('none of their regular collaborators worked on it');
  return `explanations tried: ${tried.join('; ')}`;
}

// Who hears about an alert (DESIGN.md "Governance, locks, alerts"): a group of at
// least two reviewers that never includes the alert's subject nor anyone else it
// concerns. Pure functions of the routing config, so routing can be replayed and
// tested as a table.
import type { Severity } from '../detect/finding.js';
import type { RoutingConfig } from './routing-config.js';

/** Minimum number of reviewers an alert must reach: one person alone can be the problem. */
export const MIN_REVIEWERS = 2;

export interface RouteInput {
  rule: string;
  severity: Severity;
  subject: string;
  alsoConcerns: readonly string[];
}

/**
 * How recipients were chosen, in escalation order:
 * `rule` (first matching rule's group), `fallback` (primary had < 2 eligible or no rule
 * matched), `everyone` (even the fallback had < 2: every eligible reviewer).
 */
export const ROUTE_LEVELS = ['rule', 'fallback', 'everyone'] as const;
export type RouteLevel = (typeof ROUTE_LEVELS)[number];

export interface Route {
  level: RouteLevel;
  group: string;
  recipients: string[];
  /** True when fewer than MIN_REVIEWERS could be found at all: the alert is marked for the lead to fix the config. */
  belowMinimum: boolean;
}

const norm = (s: string): string => s.trim().toLowerCase();

/** Reviewers who may receive (and act on) an alert about `input`: everyone except the people it concerns, under any of their identities. */
export function isEligible(cfg: RoutingConfig, reviewer: string, input: Pick<RouteInput, 'subject' | 'alsoConcerns'>): boolean {
  const contact = cfg.reviewers[reviewer];
  if (!contact) return false;
  const concerned = new Set([input.subject, ...input.alsoConcerns].map(norm));
  return ![reviewer, ...contact.persons].some((id) => concerned.has(norm(id)));
}

function eligibleMembers(cfg: RoutingConfig, group: string, input: RouteInput): string[] {
  return (cfg.groups[group]?.members ?? []).filter((m) => isEligible(cfg, m, input));
}

export function primaryGroup(cfg: RoutingConfig, input: Pick<RouteInput, 'rule' | 'severity'>): string | undefined {
  const match = cfg.rules.find((r) => (!r.severity || r.severity.includes(input.severity)) && (!r.rule || r.rule.includes(input.rule)));
  return match?.group;
}

/** Recipients at a given escalation level (cumulative: a level includes the eligible people of the levels before it). */
export function recipientsAt(cfg: RoutingConfig, input: RouteInput, level: RouteLevel): { group: string; recipients: string[] } {
  const primary = primaryGroup(cfg, input);
  const first = primary ? eligibleMembers(cfg, primary, input) : [];
  if (level === 'rule') return { group: primary ?? cfg.fallback, recipients: first };
  const withFallback = unique([...first, ...eligibleMembers(cfg, cfg.fallback, input)]);
  if (level === 'fallback') return { group: cfg.fallback, recipients: withFallback };
  const everyone = Object.keys(cfg.reviewers).filter((r) => isEligible(cfg, r, input));
  return { group: '*', recipients: unique([...withFallback, ...everyone]) };
}

/**
 * The first escalation level, starting at `from`, that reaches at least MIN_REVIEWERS
 * eligible people. No matching rule starts at the fallback group.
 */
export function route(cfg: RoutingConfig, input: RouteInput, from: RouteLevel = 'rule'): Route {
  const start = Math.max(ROUTE_LEVELS.indexOf(from), primaryGroup(cfg, input) ? 0 : 1);
  let last: { group: string; recipients: string[] } | undefined;
  for (const level of ROUTE_LEVELS.slice(start)) {
    last = recipientsAt(cfg, input, level);
    if (last.recipients.length >= MIN_REVIEWERS) return { level, ...last, belowMinimum: false };
  }
  return { level: 'everyone', ...last!, belowMinimum: true };
}

/** The level after `level`, or undefined at the top. */
export function nextLevel(level: RouteLevel): RouteLevel | undefined {
  return ROUTE_LEVELS[ROUTE_LEVELS.indexOf(level) + 1];
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

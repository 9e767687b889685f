// Escalation of unacknowledged alerts: an open alert nobody acknowledged within
// `escalateAfterMs` of last reaching new people goes one level up the route
// (rule group → fallback group → every eligible reviewer). Three levels at most,
// so escalation always ends.
import type { AlertView } from './book.js';
import { nextLevel, recipientsAt, MIN_REVIEWERS, type RouteLevel } from './router.js';
import type { RoutingConfig } from './routing-config.js';

export interface EscalationStep {
  alert: AlertView;
  route: RouteLevel;
  group: string;
  /** Reviewers reached for the first time; empty means everyone eligible already had it (they are reminded). */
  added: string[];
  belowMinimum: boolean;
}

export function escalationDue(open: readonly AlertView[], cfg: RoutingConfig, nowMs: number): EscalationStep[] {
  const steps: EscalationStep[] = [];
  for (const a of open) {
    if (a.state !== 'open' || nowMs - Date.parse(a.lastRoutedAt) < cfg.escalateAfterMs) continue;
    const level = nextLevel(a.route);
    if (!level) continue;
    const { group, recipients } = recipientsAt(cfg, a, level);
    const all = new Set([...a.recipients, ...recipients]);
    steps.push({ alert: a, route: level, group, added: recipients.filter((r) => !a.recipients.includes(r)), belowMinimum: all.size < MIN_REVIEWERS });
  }
  return steps;
}

// Rule: `bypass.detected` entries (raised by the pgAudit reconciler for
// statements that reached the database without passing the proxy). Every one
// is a finding: someone used a path around the log.
import type { DetectorConfig } from '../config.js';
import type { EventView } from '../entry-view.js';
import type { Signal } from '../signals.js';

export function bypassSignals(e: EventView, cfg: DetectorConfig): Signal[] {
  if (!cfg.rules.bypass.enabled || e.kind !== 'bypass.detected') return [];
  // The reconciler groups a burst of one backend: `statements` (and `count`); older writers sent one `statement`.
  const list = Array.isArray(e.raw.statements) ? (e.raw.statements as { text?: unknown }[]) : [];
  const stmt = (list[0] ?? e.raw.statement) as { text?: unknown } | undefined;
  const more = typeof e.raw.count === 'number' && e.raw.count > 1 ? ` and ${e.raw.count - 1} more` : '';
  const text = typeof stmt?.text === 'string' ? `: \`${stmt.text.slice(0, 120)}\`${more}` : '';
  const how = typeof e.raw.reason === 'string' ? ` (${e.raw.reason})` : '';
  return [{ rule: 'bypass', strength: cfg.rules.bypass.strength, reason: `ran a statement that bypassed the capture proxy${how}${text}` }];
}

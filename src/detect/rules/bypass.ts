// Rule: `bypass.detected` entries (raised by the pgAudit reconciler for
// statements that reached the database without passing the proxy). Every one
// is a finding: someone used a path around the log.
import type { DetectorConfig } from '../config.js';
import type { EventView } from '../entry-view.js';
import type { Signal } from '../signals.js';

export function bypassSignals(e: EventView, cfg: DetectorConfig): Signal[] {
  if (!cfg.rules.bypass.enabled || e.kind !== 'bypass.detected') return [];
  const stmt = e.raw.statement as { text?: unknown } | undefined;
  const text = typeof stmt?.text === 'string' ? `: \`${stmt.text.slice(0, 120)}\`` : '';
  const how = typeof e.raw.reason === 'string' ? ` (${e.raw.reason})` : '';
  return [{ rule: 'bypass', strength: cfg.rules.bypass.strength, reason: `ran a statement that bypassed the capture proxy${how}${text}` }];
}

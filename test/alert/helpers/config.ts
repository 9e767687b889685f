// Routing configs for alert tests.
import { parseRoutingConfig, type RoutingConfig } from '../../../src/alert/routing-config.js';

/**
 * Reviewers alice, bob, carol (group "privacy") and dave, erin (group "security",
 * the fallback). `alice` is also known in the log as `alice.w`.
 */
export function testConfig(over: Record<string, unknown> = {}, contact: (name: string) => Record<string, unknown> = (n) => ({ email: `${n}@example.test` })): RoutingConfig {
  const names = ['alice', 'bob', 'carol', 'dave', 'erin'];
  return parseRoutingConfig({
    reviewers: Object.fromEntries(names.map((n) => [n, { ...contact(n), ...(n === 'alice' ? { persons: ['alice.w'] } : {}) }])),
    groups: { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } },
    rules: [{ rule: ['watchlist'], group: 'privacy' }],
    fallback: 'security',
    escalateAfterMs: 60_000,
    delivery: { attempts: 3, baseDelayMs: 10, maxDelayMs: 40, timeoutMs: 5000 },
    smtp: { host: '127.0.0.1', port: 1, from: 'ilog@example.test' },
    ...over,
  });
}

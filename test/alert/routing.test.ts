import { describe, expect, it } from 'vitest';
import { route, recipientsAt } from '../../src/alert/router.js';
import { parseRoutingConfig } from '../../src/alert/routing-config.js';
import { testConfig } from './helpers/config.js';

const base = { rule: 'watchlist', severity: 'high' as const, alsoConcerns: [] as string[] };

describe('router', () => {
  it('sends a matching alert to its rule group', () => {
    expect(route(testConfig(), { ...base, subject: 'mallory' })).toEqual({ level: 'rule', group: 'privacy', recipients: ['alice', 'bob', 'carol'], belowMinimum: false });
  });

  it('never includes the subject, under their name or another identity', () => {
    expect(route(testConfig(), { ...base, subject: 'bob' }).recipients).toEqual(['alice', 'carol']);
    expect(route(testConfig(), { ...base, subject: 'ALICE.W' }).recipients).toEqual(['bob', 'carol']);
  });

  it('never includes anyone the alert also concerns', () => {
    const r = route(testConfig(), { ...base, subject: 'mallory', alsoConcerns: ['carol'] });
    expect(r.recipients).toEqual(['alice', 'bob']);
    expect(r.level).toBe('rule');
  });

  it('escalates to the fallback group when fewer than two eligible reviewers remain', () => {
    const r = route(testConfig(), { ...base, subject: 'bob', alsoConcerns: ['carol'] });
    expect(r.level).toBe('fallback');
    expect(r.group).toBe('security');
    expect(r.recipients.sort()).toEqual(['alice', 'dave', 'erin']);
    expect(r.recipients).not.toContain('bob');
  });

  it('goes to the fallback group when no rule matches', () => {
    expect(route(testConfig(), { ...base, rule: 'off-hours', subject: 'mallory' })).toMatchObject({ level: 'fallback', group: 'security', recipients: ['dave', 'erin'] });
  });

  it('raises to everyone eligible when even the fallback has fewer than two, and marks an alert that still reaches < 2', () => {
    const cfg = testConfig();
    const r = route(cfg, { ...base, rule: 'off-hours', subject: 'dave' });
    expect(r).toMatchObject({ level: 'everyone', group: '*', belowMinimum: false });
    expect(r.recipients.sort()).toEqual(['alice', 'bob', 'carol', 'erin']);
    const lonely = route(cfg, { ...base, subject: 'alice', alsoConcerns: ['bob', 'carol', 'dave'] });
    expect(lonely).toMatchObject({ level: 'everyone', recipients: ['erin'], belowMinimum: true });
  });

  it('escalation levels are cumulative', () => {
    const cfg = testConfig();
    const input = { ...base, subject: 'mallory' };
    expect(recipientsAt(cfg, input, 'fallback').recipients).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });

  it('matches rules by severity too, first match wins', () => {
    const cfg = testConfig({ rules: [{ severity: ['low'], group: 'security' }, { rule: ['watchlist'], group: 'privacy' }] });
    expect(route(cfg, { ...base, severity: 'low', subject: 'x' }).group).toBe('security');
    expect(route(cfg, { ...base, severity: 'medium', subject: 'x' }).group).toBe('privacy');
  });
});

describe('routing config', () => {
  const good = { reviewers: { a: { slack: 'https://hooks.example/x' } }, groups: { g: { members: ['a'] } }, fallback: 'g' };
  it.each([
    ['unknown member', { ...good, groups: { g: { members: ['zz'] } } }, 'groups.g.members.0'],
    ['unknown fallback', { ...good, fallback: 'nope' }, 'fallback'],
    ['unknown rule group', { ...good, rules: [{ group: 'nope' }] }, 'rules.0.group'],
    ['reviewer without contact', { ...good, reviewers: { a: {} } }, 'reviewers.a'],
    ['typo in a key', { ...good, fallbak: 'g' }, 'fallbak'],
    ['email without smtp', { ...good, reviewers: { a: { email: 'a@x.test' } } }, 'smtp'],
    ['short webhook secret', { ...good, reviewers: { a: { webhook: { url: 'https://x.test/h', secret: 'short' } } } }, 'reviewers.a.webhook.secret'],
  ])('rejects %s', (_name, cfg, field) => {
    expect(() => parseRoutingConfig(cfg)).toThrow(expect.objectContaining({ code: 'BAD_CONFIG', evidence: { field } }));
  });

  it('fills defaults', () => {
    const c = parseRoutingConfig(good);
    expect(c.escalateAfterMs).toBe(30 * 60_000);
    expect(c.delivery.attempts).toBe(5);
  });
});

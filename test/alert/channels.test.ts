import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, withRetry } from '../../src/alert/retry.js';
import { DeliveryError, signWebhook, verifyWebhook } from '../../src/alert/channels/index.js';
import { harness, SECRET, type Harness } from './helpers/harness.js';
import { openEntries } from './helpers/opened.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('webhook signatures', () => {
  it('a receiver verifies what ilog sent, and rejects forgeries, altered bodies and replays', async () => {
    h = await harness();
    await h.svc.raise(h.finding());
    await h.svc.idle();
    const r = h.receiver.received[0]!;
    expect(r.headers['x-ilog-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    const now = h.clock.now;
    expect(() => verifyWebhook(SECRET, r.headers, r.body, { nowMs: now })).not.toThrow();
    expect(JSON.parse(r.body)).toMatchObject({ type: 'alert.raised', alert: { subject: 'mallory', reasons: ['accessed the watch-listed record of VIP patient'] } });
    expect(() => verifyWebhook('another-secret-0123456789', r.headers, r.body, { nowMs: now })).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    expect(() => verifyWebhook(SECRET, r.headers, r.body.replace('mallory', 'someone'), { nowMs: now })).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    expect(() => verifyWebhook(SECRET, { ...r.headers, 'x-ilog-timestamp': String(Number(r.headers['x-ilog-timestamp']) + 1) }, r.body, { nowMs: now })).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    expect(() => verifyWebhook(SECRET, r.headers, r.body, { nowMs: now + 6 * 60_000 })).toThrow(expect.objectContaining({ code: 'STALE_SIGNATURE' }));
    expect(() => verifyWebhook(SECRET, {}, r.body)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
  });

  it('signs timestamp "." body with HMAC-SHA256', () => {
    // Independent check: openssl dgst -sha256 -hmac key <<< -n '1700000000.{}'
    // The point is the exact byte string that is signed: `<timestamp>.<raw body>`.
    expect(signWebhook('key', '1700000000', '{}')).toBe('sha256=' + createHmac('sha256', 'key').update('1700000000.{}').digest('hex'));
  });
});

describe('slack channel', () => {
  it('posts {text, blocks}', async () => {
    h = await harness({}, {});
    const cfg = (await import('./helpers/config.js')).testConfig({ smtp: undefined }, () => ({ slack: `${h!.receiver.url}/slack` }));
    const { AlertService } = await import('../../src/alert/service.js');
    const svc = new AlertService({ log: h.log.log, config: cfg, origin: h.log.origin, keys: h.keys, clock: () => h!.clock.now, sleep: async () => {} });
    await svc.raise(h.finding());
    await svc.stop();
    const body = JSON.parse(h.receiver.received[0]!.body);
    expect(body.text).toMatch(/HIGH alert #1: mallory/);
    expect(body.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(body.blocks)).toContain('watch-listed record of VIP patient');
  });
});

describe('retries', () => {
  it('backs off exponentially up to a cap', () => {
    const p = { attempts: 6, baseDelayMs: 100, maxDelayMs: 500 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p))).toEqual([100, 200, 400, 500, 500]);
  });

  it('retries transient failures with the backoff schedule, stops at the bound, and not at all on permanent ones', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    let calls = 0;
    const flaky = async () => {
      if (++calls < 3) throw new Error('ECONNRESET');
    };
    expect(await withRetry(flaky, { attempts: 5, baseDelayMs: 10, maxDelayMs: 1000 }, sleep)).toEqual({ ok: true, attempts: 3 });
    expect(slept).toEqual([10, 20]);
    const down = async () => {
      throw new Error('ECONNREFUSED');
    };
    expect(await withRetry(down, { attempts: 4, baseDelayMs: 10, maxDelayMs: 1000 }, sleep)).toMatchObject({ ok: false, attempts: 4, error: 'ECONNREFUSED' });
    const gone = async () => {
      throw new DeliveryError('404', true);
    };
    expect(await withRetry(gone, { attempts: 4, baseDelayMs: 10, maxDelayMs: 1000 }, sleep)).toMatchObject({ ok: false, attempts: 1 });
  });

  it('a webhook that fails twice then answers is delivered on the third attempt, and that is logged', async () => {
    h = await harness({}, { failFirst: 2, failStatus: 503 });
    const a = await h.svc.raise(h.finding({ subject: 'bob', alsoConcerns: ['carol'], rule: 'x' })); // → dave, erin
    await h.svc.idle();
    const d = h.log.entries().filter((e) => e.entry.kind === 'alert.delivery').map((e) => e.entry);
    expect(d.every((e) => e.status === 'delivered' && e.alert === a.id)).toBe(true);
    expect(d.map((e) => e.attempts).reduce((x, y) => x + y)).toBe(4); // 2 failures + 2 successes
    expect(h.receiver.received.filter((r) => r.status === 200)).toHaveLength(2);
  });
});

describe('failed delivery', () => {
  it('is logged as alert.delivery and raised as an alert to the fallback group, without the unreachable reviewer or the subject', async () => {
    h = await harness({}, { failPaths: /\/hook\/alice$/ });
    const a = await h.svc.raise(h.finding()); // → alice, bob, carol
    await h.svc.idle();
    const entries: Record<string, any>[] = (await openEntries(h.log.entries(), h.sealing)).map((e) => ({ index: e.index, ...e.entry }));
    const failed = entries.filter((e) => e.kind === 'alert.delivery' && e.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ alert: a.id, recipient: 'alice', channel: 'webhook', attempts: 3 })]);
    const meta = entries.filter((e) => e.kind === 'alert.raised' && e.about === a.id);
    expect(meta).toHaveLength(1);
    expect(meta[0]).toMatchObject({ rule: 'delivery-failed', subject: 'mallory', route: 'fallback', group: 'security' });
    expect(meta[0]!.recipients.sort()).toEqual(['dave', 'erin']);
    expect(meta[0]!.reasons[0]).toMatch(/could not be delivered to alice by webhook after 3 attempt/);
    // ...and that alert itself was delivered.
    expect(entries.filter((e) => e.kind === 'alert.delivery' && e.alert === meta[0]!.index && e.status === 'delivered')).toHaveLength(2);
  });

  it('a failure to deliver a delivery-failure alert is logged but raises nothing more', async () => {
    h = await harness({}, { failPaths: /\/hook\/(alice|dave)$/ });
    await h.svc.raise(h.finding());
    await h.svc.idle();
    const entries = h.log.entries().map((e) => e.entry);
    expect(entries.filter((e) => e.kind === 'alert.raised')).toHaveLength(2);
    expect(entries.filter((e) => e.kind === 'alert.delivery' && e.status === 'failed').map((e) => e.recipient).sort()).toEqual(['alice', 'dave']);
  });

  it('a restarted service delivers what was raised but never delivered', async () => {
    h = await harness();
    await h.log.writer.append({
      v: 1, kind: 'alert.raised', time: new Date(h.clock.now).toISOString(), finding: 'crashed', rule: 'watchlist', subject: 'mallory', alsoConcerns: [],
      severity: 'high', score: 90, reasons: ['r'], entries: [], group: 'privacy', route: 'rule', recipients: ['alice', 'bob'],
    });
    const svc = h.reopen();
    await svc.resume();
    await svc.idle();
    expect(h.receiver.received.map((r) => r.path).sort()).toEqual(['/hook/alice', '/hook/bob']);
  });
});

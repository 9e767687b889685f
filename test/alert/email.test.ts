import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_REVIEWER_KEYS } from '../../src/alert/review.js';
import { AlertService } from '../../src/alert/service.js';
import { testConfig } from './helpers/config.js';
import { openTestLog } from './helpers/log.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';

const finding = (id: string, subject = 'mallory') => ({
  id, rule: 'watchlist', subject, alsoConcerns: [], severity: 'high' as const, score: 88,
  reasons: ['accessed the watch-listed record of VIP patient'], entries: [3], time: '2026-11-27T09:00:00.000Z',
});

describe('email channel (real SMTP server process)', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ rejectRcpt: '^carol@' });
  });
  afterAll(async () => sink?.stop());

  it('delivers one message per recipient, rejects are permanent failures, all logged', async () => {
    const log = await openTestLog();
    const svc = new AlertService({ log: log.log, origin: log.origin, keys: NO_REVIEWER_KEYS, config: testConfig({ smtp: { host: '127.0.0.1', port: sink.port, from: 'ilog@example.test' } }), sleep: async () => {} });
    const a = await svc.raise(finding('e1'));
    await svc.stop();
    const mails = sink.messages().filter((m) => m.raw.includes(`alert #${a.id}:`));
    expect(mails.map((m) => m.to).sort()).toEqual([['alice@example.test'], ['bob@example.test']]);
    for (const m of mails) {
      const headers = m.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' '); // unfold (RFC 5322 §2.2.3)
      expect(headers).toMatch(new RegExp(`Subject: \\[ilog\\] HIGH alert #${a.id}: mallory - accessed the watch-listed record of VIP patient`));
      expect(m.raw).toContain('accessed the watch-listed record of VIP patient');
      expect(headers).toContain(`X-Ilog-Alert: ${a.id}`);
    }
    const d = log.entries().filter((e) => e.entry.kind === 'alert.delivery').map((e) => e.entry);
    expect(d.filter((e) => e.alert === a.id).map((e) => [e.recipient, e.status, e.attempts]).sort()).toEqual([
      ['alice', 'delivered', 1],
      ['bob', 'delivered', 1],
      ['carol', 'failed', 1],
    ]);
    await log.close();
  });

  it('an unreachable SMTP server is retried up to the bound, then the failure is logged and alerted', async () => {
    const log = await openTestLog();
    const slept: number[] = [];
    const cfg = testConfig({ smtp: { host: '127.0.0.1', port: 9, from: 'ilog@example.test' } }); // discard port: nothing listens
    const svc = new AlertService({ log: log.log, origin: log.origin, keys: NO_REVIEWER_KEYS, config: cfg, sleep: async (ms) => void slept.push(ms) });
    await svc.raise(finding('e2'));
    await svc.stop();
    const entries = log.entries().map((e) => e.entry);
    const failed = entries.filter((e) => e.kind === 'alert.delivery' && e.status === 'failed');
    expect(failed.filter((e) => e.alert === 1).map((e) => [e.recipient, e.attempts]).sort()).toEqual([['alice', 3], ['bob', 3], ['carol', 3]]);
    // Each of the 9 deliveries (3 + 2 for each of 3 failure alerts) waited 10 then 20 ms.
    expect(slept.sort((x, y) => x - y)).toEqual([...Array(9).fill(10), ...Array(9).fill(20)]);
    expect(entries.filter((e) => e.kind === 'alert.raised' && e.rule === 'delivery-failed')).toHaveLength(3);
    await log.close();
  });
});

// Generic webhooks signed with HMAC-SHA256, so a receiver can tell an ilog alert
// from a forged one: `X-Ilog-Timestamp: <unix seconds>` and
// `X-Ilog-Signature: sha256=<hex HMAC(secret, timestamp + "." + raw body)>`.
// Binding the timestamp stops replays of an old delivery (receivers reject
// timestamps outside a tolerance window).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { IlogError } from '../../ledger/errors.js';
import type { Channel } from './channel.js';
import { postJson } from './http-post.js';
import type { AlertMessage } from './message.js';

export const SIGNATURE_HEADER = 'x-ilog-signature';
export const TIMESTAMP_HEADER = 'x-ilog-timestamp';

export function signWebhook(secret: string, timestamp: string, rawBody: string | Uint8Array): string {
  return 'sha256=' + createHmac('sha256', secret).update(timestamp).update('.').update(rawBody).digest('hex');
}

/**
 * For receivers: checks a delivery's signature and freshness. Throws IlogError
 * `BAD_SIGNATURE` (missing or wrong) or `STALE_SIGNATURE` (timestamp outside the window).
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string | Uint8Array,
  opts: { nowMs?: number; toleranceMs?: number } = {},
): void {
  const ts = headers[TIMESTAMP_HEADER];
  const sig = headers[SIGNATURE_HEADER];
  if (typeof ts !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(ts)) {
    throw new IlogError('BAD_SIGNATURE', `webhook lacks ${TIMESTAMP_HEADER} or ${SIGNATURE_HEADER}; reject it`);
  }
  const expected = Buffer.from(signWebhook(secret, ts, rawBody));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new IlogError('BAD_SIGNATURE', 'webhook signature does not match its body and timestamp; reject it (wrong secret or altered body)');
  }
  const skew = Math.abs((opts.nowMs ?? Date.now()) - Number(ts) * 1000);
  if (skew > (opts.toleranceMs ?? 5 * 60_000)) {
    throw new IlogError('STALE_SIGNATURE', 'webhook timestamp is outside the tolerance window; reject it (possible replay)', { timestamp: ts });
  }
}

export function webhookChannel(timeoutMs: number, now: () => number = Date.now): Channel {
  return {
    kind: 'webhook',
    reaches: (c) => c.webhook !== undefined,
    send: (c, m: AlertMessage) => {
      const body = JSON.stringify({ type: `alert.${m.event}`, alert: m });
      const ts = String(Math.floor(now() / 1000));
      return postJson(c.webhook!.url, body, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: signWebhook(c.webhook!.secret, ts, body) }, timeoutMs);
    },
  };
}

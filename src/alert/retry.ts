// Bounded retries with exponential backoff: attempt n+1 waits
// min(maxDelayMs, baseDelayMs * 2^(n-1)). No jitter: deliveries are per alert and
// per recipient, so there is no thundering herd to spread, and tests can state
// the exact schedule. The sleep is injectable so tests do not wait.
import { DeliveryError } from './channels/channel.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Delay before attempt `attempt + 1`, after `attempt` (1-based) failed. */
export function backoffDelay(attempt: number, p: RetryPolicy): number {
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
}

export type RetryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

export async function withRetry(fn: () => Promise<void>, p: RetryPolicy, sleep: Sleep = realSleep): Promise<RetryOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return { ok: true, attempts: attempt };
    } catch (e) {
      const permanent = e instanceof DeliveryError && e.permanent;
      if (permanent || attempt >= p.attempts) return { ok: false, attempts: attempt, error: (e as Error).message.slice(0, 500) };
      await sleep(backoffDelay(attempt, p));
    }
  }
}

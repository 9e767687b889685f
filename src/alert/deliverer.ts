// Fans one alert message out to its recipients over every channel each of them
// has, with bounded retries, and reports every outcome — delivered or failed — to
// a callback that logs it. Nothing is dropped: a recipient no channel can reach
// is reported as a failure on channel `none`.
import { emailChannel, slackChannel, webhookChannel, type AlertMessage, type Channel } from './channels/index.js';
import type { DeliveryChannel } from './entries.js';
import { withRetry, type Sleep } from './retry.js';
import type { RoutingConfig } from './routing-config.js';

export interface DeliveryOutcome {
  recipient: string;
  channel: DeliveryChannel;
  ok: boolean;
  attempts: number;
  error?: string;
}

/** The channels a routing config calls for. */
export function channelsFor(cfg: RoutingConfig, now: () => number): Channel[] {
  const timeout = cfg.delivery.timeoutMs;
  return [...(cfg.smtp ? [emailChannel(cfg.smtp, timeout)] : []), webhookChannel(timeout, now), slackChannel(timeout)];
}

export class Deliverer {
  readonly #cfg: RoutingConfig;
  readonly #channels: readonly Channel[];
  readonly #sleep: Sleep;

  constructor(cfg: RoutingConfig, channels: readonly Channel[], sleep: Sleep) {
    this.#cfg = cfg;
    this.#channels = channels;
    this.#sleep = sleep;
  }

  /** Sends to every (recipient, channel) pair concurrently; `record` is awaited for each outcome as it comes. */
  async deliver(message: AlertMessage, recipients: readonly string[], record: (o: DeliveryOutcome) => Promise<void>): Promise<void> {
    const tasks = recipients.flatMap((recipient) => {
      const contact = this.#cfg.reviewers[recipient];
      const usable = contact ? this.#channels.filter((ch) => ch.reaches(contact)) : [];
      if (!contact || usable.length === 0) {
        const error = contact ? 'no configured channel reaches this reviewer' : 'reviewer is no longer in the routing config';
        return [record({ recipient, channel: 'none', ok: false, attempts: 1, error })];
      }
      return usable.map(async (ch) => {
        const r = await withRetry(() => ch.send(contact, message), this.#cfg.delivery, this.#sleep);
        await record({ recipient, channel: ch.kind, ...r });
      });
    });
    await Promise.all(tasks);
  }

  async close(): Promise<void> {
    await Promise.all(this.#channels.map((c) => c.close?.()));
  }
}

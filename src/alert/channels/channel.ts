// A delivery channel sends one rendered alert to one reviewer's contact. Channels
// throw on failure; retries, backoff and logging the outcome are the deliverer's
// job (deliver.ts), so every channel gets the same bounded, logged behaviour.
import type { ChannelKind } from '../entries.js';
import type { ReviewerContact } from '../routing-config.js';
import type { AlertMessage } from './message.js';

export interface Channel {
  readonly kind: ChannelKind;
  /** True when the contact has an address on this channel. */
  reaches(contact: ReviewerContact): boolean;
  /** Sends the message. MUST throw on failure; throws a `DeliveryError` with `permanent` when retrying cannot help. */
  send(contact: ReviewerContact, message: AlertMessage): Promise<void>;
  close?(): Promise<void>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

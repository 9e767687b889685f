// The hook other areas call to tell reviewers something happened that is not a
// detector finding — a break-glass session (governance), a witness policy not
// met (witness). Each event becomes an ordinary alert: logged, routed to at
// least two reviewers who are not its subject, delivered, acknowledged.
import type { Severity } from '../detect/finding.js';

export interface NotifyEvent {
  /** Stable id: notifying twice with the same id raises one alert. */
  id: string;
  /** What happened, used as the alert's rule (routing rules can match it), e.g. 'breakglass', 'witness.policy'. */
  kind: string;
  /** The person it is about; use 'ilog' for the system itself. Never a recipient. */
  subject: string;
  alsoConcerns?: string[];
  severity: Severity;
  /** Plain-language reasons, most important first. */
  reasons: string[];
  /** Log indexes of related entries. */
  entries?: number[];
}

export interface Notifier {
  /** Raises (once per event id) and starts delivery; resolves with the alert id once `alert.raised` is durable. */
  notify(event: NotifyEvent): Promise<number>;
}

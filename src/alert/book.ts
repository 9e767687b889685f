// Alert state as a fold over the log's `alert.*` entries (DESIGN.md: derived state
// can always be rebuilt by replaying the log). The book applies entries in index
// order and never writes; AlertService validates before it appends, and the book
// re-checks what matters on replay (an ack or close by someone who was not a
// recipient does not count, even if such an entry got into the log).
import type { Finding, Severity } from '../detect/finding.js';
import { asAlertEntry, type AlertRaised, type AlertSuppressed, type DeliveryChannel } from './entries.js';
import type { RouteLevel } from './router.js';

export const ALERT_STATES = ['open', 'acknowledged', 'closed', 'suppressed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface Act {
  index: number;
  by: string;
  time: string;
  text?: string;
}

/** An alert: the finding it was raised for (its `id` is `finding` here) and what became of it. */
export interface AlertView extends Omit<Finding, 'id' | 'rules'> {
  id: number;
  finding: string;
  about?: number;
  state: AlertState;
  route: RouteLevel;
  group: string;
  recipients: string[];
  belowMinimum: boolean;
  suppressedBy?: number;
  acks: Act[];
  closes: Act[];
  closesNeeded: number;
  /** Time the alert last reached new people (raised or escalated): the escalation clock starts here. */
  lastRoutedAt: string;
  escalations: { index: number; time: string; route: RouteLevel; added: string[] }[];
  deliveries: { index: number; time: string; recipient: string; channel: DeliveryChannel; status: 'delivered' | 'failed'; attempts: number; error?: string }[];
}

export interface Suppression {
  index: number;
  subject?: string;
  rule?: string;
  until: string;
  by: string;
  reason: string;
}

export interface AlertFilter {
  subject?: string;
  severity?: Severity;
  state?: AlertState;
  /** RFC 3339 bounds on the raise time, inclusive. */
  since?: string;
  until?: string;
}

/** Two distinct reviewers must agree before a high-severity alert is closed. */
export function closesNeeded(severity: Severity): number {
  return severity === 'high' ? 2 : 1;
}

export class AlertBook {
  readonly #alerts = new Map<number, AlertView>();
  readonly #byFinding = new Map<string, number>();
  readonly #suppressions: Suppression[] = [];
  /** Index of the next log entry to apply: everything before it has been seen. */
  next = 0;

  /** Applies one log entry (any kind; non-alert entries are skipped). Entries must come in index order. */
  apply(index: number, entry: unknown): void {
    if (index < this.next) return;
    this.next = index + 1;
    const e = asAlertEntry(entry);
    if (!e) return;
    if (e.kind === 'alert.raised') return this.#raise(index, e);
    if (e.kind === 'alert.suppressed') return this.#suppress(index, e);
    const a = this.#alerts.get(e.alert);
    if (!a) return;
    switch (e.kind) {
      case 'alert.ack':
        if (mayAct(a, e.by) && !a.acks.some((x) => x.by === e.by)) a.acks.push({ index, by: e.by, time: e.time, ...(e.note ? { text: e.note } : {}) });
        break;
      case 'alert.closed':
        if (mayAct(a, e.by) && !a.closes.some((x) => x.by === e.by)) a.closes.push({ index, by: e.by, time: e.time, ...(e.resolution ? { text: e.resolution } : {}) });
        break;
      case 'alert.escalated':
        a.escalations.push({ index, time: e.time, route: e.route, added: e.added });
        a.route = e.route;
        a.group = e.group;
        a.recipients = [...new Set([...a.recipients, ...e.added])];
        a.belowMinimum = e.belowMinimum ?? false;
        a.lastRoutedAt = e.time;
        break;
      case 'alert.delivery':
        a.deliveries.push({ index, time: e.time, recipient: e.recipient, channel: e.channel, status: e.status, attempts: e.attempts, ...(e.error ? { error: e.error } : {}) });
        break;
    }
    a.state = stateOf(a);
  }

  #raise(index: number, e: AlertRaised): void {
    const a: AlertView = {
      id: index,
      time: e.time,
      finding: e.finding,
      rule: e.rule,
      subject: e.subject,
      alsoConcerns: e.alsoConcerns,
      severity: e.severity,
      score: e.score,
      reasons: e.reasons,
      entries: e.entries,
      ...(e.about !== undefined ? { about: e.about } : {}),
      state: 'open',
      route: e.route,
      group: e.group,
      recipients: e.recipients,
      belowMinimum: e.belowMinimum ?? false,
      ...(e.suppressedBy !== undefined ? { suppressedBy: e.suppressedBy } : {}),
      acks: [],
      closes: [],
      closesNeeded: closesNeeded(e.severity),
      lastRoutedAt: e.time,
      escalations: [],
      deliveries: [],
    };
    a.state = stateOf(a);
    this.#alerts.set(index, a);
    if (!this.#byFinding.has(e.finding)) this.#byFinding.set(e.finding, index);
  }

  #suppress(index: number, e: AlertSuppressed): void {
    this.#suppressions.push({ index, ...e.match, until: e.until, by: e.by, reason: e.reason });
  }

  get(id: number): AlertView | undefined {
    return this.#alerts.get(id);
  }

  /** The alert already raised for a finding id, if any (so replays do not raise twice). */
  byFinding(finding: string): AlertView | undefined {
    const id = this.#byFinding.get(finding);
    return id === undefined ? undefined : this.#alerts.get(id);
  }

  list(f: AlertFilter = {}): AlertView[] {
    return [...this.#alerts.values()].filter(
      (a) =>
        (f.subject === undefined || a.subject === f.subject) &&
        (f.severity === undefined || a.severity === f.severity) &&
        (f.state === undefined || a.state === f.state) &&
        (f.since === undefined || a.time >= f.since) &&
        (f.until === undefined || a.time <= f.until),
    );
  }

  /** The suppression in force at `now` for this subject and rule, if any (RFC 3339 strings compare in time order). */
  activeSuppression(subject: string, rule: string, now: string): Suppression | undefined {
    return this.#suppressions.find((s) => now < s.until && (s.subject === undefined || s.subject === subject) && (s.rule === undefined || s.rule === rule));
  }

  suppressions(now?: string): Suppression[] {
    return this.#suppressions.filter((s) => now === undefined || now < s.until);
  }
}

/** Only recipients who are not the subject or otherwise concerned may acknowledge or close. */
function mayAct(a: AlertView, by: string): boolean {
  return a.recipients.includes(by) && by !== a.subject && !a.alsoConcerns.includes(by);
}

function stateOf(a: AlertView): AlertState {
  if (a.closes.length >= a.closesNeeded) return 'closed';
  if (a.suppressedBy !== undefined) return 'suppressed';
  return a.acks.length > 0 ? 'acknowledged' : 'open';
}

// Alert state as a fold over the log's `alert.*` entries (DESIGN.md: derived state
// can always be rebuilt by replaying the log). The book applies entries in index
// order and never writes; AlertService validates before it appends, and the book
// re-checks what matters on replay: a review counts only if it is signed by the
// key the quorum registered for its author before it (review.ts), its author was
// a recipient by then and is not concerned by the alert; a suppression never
// silences an alert about its own author. Counting happens when an alert is
// read, so a key the governance replay learns later is taken into account.
import type { Finding, Severity } from '../detect/finding.js';
import { asAlertEntry, type AlertSuppressed, type ClearAlertRaised, type DeliveryChannel } from './entries.js';
import { reviewSignatureValid, type ReviewerKeys, type ReviewKind } from './review.js';
import type { RouteLevel } from './router.js';

export const ALERT_STATES = ['open', 'acknowledged', 'closed', 'suppressed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface Act {
  index: number;
  by: string;
  /** The reviewer key that signed it. */
  signer: string;
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
  comments: Act[];
  closesNeeded: number;
  /** Time the alert last reached new people (raised or escalated): the escalation clock starts here. */
  lastRoutedAt: string;
  escalations: { index: number; time: string; route: RouteLevel; added: string[] }[];
  deliveries: { index: number; time: string; recipient: string; channel: DeliveryChannel; status: 'delivered' | 'failed'; attempts: number; error?: string }[];
}

/** An alert's facts as raised: enough to filter, order and page a queue, and to decide who may see it. */
export type RaisedFacts = Pick<AlertView, 'id' | 'time' | 'rule' | 'score' | 'severity' | 'subject' | 'alsoConcerns'>;

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

/** What the book needs to tell a counted review from a forged or misplaced one. */
export interface BookRules {
  /** The log's origin (review signatures are bound to it). */
  origin: string;
  keys: ReviewerKeys;
  /** Whether `reviewer` may act on an alert about these people (routing's rule: never oneself, under any identity). */
  eligible(reviewer: string, about: { subject: string; alsoConcerns: readonly string[] }): boolean;
}

/** A review as the log holds it; whether it counts is decided when the alert is read (keys come from the governance replay). */
interface Review {
  index: number;
  kind: ReviewKind;
  by: string;
  signer: string;
  /** The signature verifies for the key it names (checked once, on apply). */
  signed: boolean;
  time: string;
  text?: string;
}

interface AlertRecord extends Omit<AlertView, 'state' | 'acks' | 'closes' | 'comments' | 'suppressedBy'> {
  /** Recipient → index from which they may act (raise or escalation). */
  since: Map<string, number>;
  reviews: Review[];
  suppressedAt?: number;
}

interface StoredSuppression extends Suppression {
  signer: string;
  signed: boolean;
}

/**
 * The book as data, for a snapshot bound to a signed checkpoint (log/state-snapshot.ts):
 * what `apply` built from entries [0, next). Review signatures were checked when applied;
 * whether a review counts is still decided when an alert is read.
 */
export interface AlertBookState {
  next: number;
  alerts: (Omit<AlertRecord, 'since'> & { since: [string, number][] })[];
  suppressions: StoredSuppression[];
}

export class AlertBook {
  readonly #alerts = new Map<number, AlertRecord>();
  readonly #byFinding = new Map<string, number>();
  readonly #suppressions: StoredSuppression[] = [];
  readonly #rules: BookRules;
  /** Index of the next log entry to apply: everything before it has been seen. */
  next = 0;

  constructor(rules: BookRules) {
    this.#rules = rules;
  }

  snapshot(): AlertBookState {
    return structuredClone({
      next: this.next,
      alerts: [...this.#alerts.values()].map((a) => ({ ...a, since: [...a.since] })),
      suppressions: this.#suppressions,
    });
  }

  /** Starts from a snapshot's state (an empty book only): `apply` then takes entries from `state.next` on. */
  restore(state: AlertBookState): void {
    if (this.next !== 0) throw new Error('AlertBook.restore: the book has already applied entries');
    const s = structuredClone(state);
    for (const a of s.alerts) {
      this.#alerts.set(a.id, { ...a, since: new Map(a.since) });
      if (!this.#byFinding.has(a.finding)) this.#byFinding.set(a.finding, a.id);
    }
    this.#suppressions.push(...s.suppressions);
    this.next = s.next;
  }

  /** Applies one log entry (any kind; non-alert entries are skipped). Entries must come in index order. */
  apply(index: number, entry: unknown): void {
    if (index < this.next) return;
    this.next = index + 1;
    const e = asAlertEntry(entry);
    if (!e) return;
    // A sealed alert the caller could not open (seal.ts) is not in this book: nothing here may act on it.
    if (e.kind === 'alert.raised') return e.sealed === undefined && e.subject !== undefined ? this.#raise(index, e as ClearAlertRaised) : undefined;
    if (e.kind === 'alert.suppressed') return this.#suppress(index, e);
    const a = this.#alerts.get(e.alert);
    if (!a) return;
    switch (e.kind) {
      case 'alert.ack':
      case 'alert.closed':
      case 'alert.comment':
      case 'alert.escalate': {
        const text = e.kind === 'alert.ack' || e.kind === 'alert.escalate' ? e.note : e.kind === 'alert.closed' ? e.resolution : e.text;
        const signed = reviewSignatureValid(e as unknown as Record<string, unknown>, this.#rules.origin);
        a.reviews.push({ index, kind: e.kind, by: e.by, signer: e.signature.signer, signed, time: e.time, ...(text ? { text } : {}) });
        break;
      }
      case 'alert.escalated':
        a.escalations.push({ index, time: e.time, route: e.route, added: e.added });
        a.route = e.route;
        a.group = e.group;
        for (const r of e.added) if (!a.since.has(r)) a.since.set(r, index);
        a.recipients = [...a.since.keys()];
        a.belowMinimum = e.belowMinimum ?? false;
        a.lastRoutedAt = e.time;
        break;
      case 'alert.delivery':
        a.deliveries.push({ index, time: e.time, recipient: e.recipient, channel: e.channel, status: e.status, attempts: e.attempts, ...(e.error ? { error: e.error } : {}) });
        break;
    }
  }

  #raise(index: number, e: ClearAlertRaised): void {
    const a: AlertRecord = {
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
      route: e.route,
      group: e.group,
      recipients: e.recipients,
      since: new Map(e.recipients.map((r) => [r, index])),
      belowMinimum: e.belowMinimum ?? false,
      ...(e.suppressedBy !== undefined ? { suppressedAt: e.suppressedBy } : {}),
      reviews: [],
      closesNeeded: closesNeeded(e.severity),
      lastRoutedAt: e.time,
      escalations: [],
      deliveries: [],
    };
    this.#alerts.set(index, a);
    if (!this.#byFinding.has(e.finding)) this.#byFinding.set(e.finding, index);
  }

  #suppress(index: number, e: AlertSuppressed): void {
    const signed = reviewSignatureValid(e as unknown as Record<string, unknown>, this.#rules.origin);
    this.#suppressions.push({ index, ...e.match, until: e.until, by: e.by, reason: e.reason, signer: e.signature.signer, signed });
  }

  /** Whether a review or suppression was signed by the key its author had registered before its index. */
  #keyed(r: { index: number; by: string; signer: string; signed: boolean }): boolean {
    return r.signed && this.#rules.keys.at(r.by, r.index)?.vkey === r.signer;
  }

  /** A review counts when keyed, and its author was a recipient then and is not concerned by the alert. */
  #counts(a: AlertRecord, r: Review): boolean {
    const since = a.since.get(r.by);
    return since !== undefined && since < r.index && this.#keyed(r) && this.#rules.eligible(r.by, a);
  }

  /** A suppression counts when keyed and it does not name its own author (under any identity). */
  #suppressionCounts(s: StoredSuppression): boolean {
    return this.#keyed(s) && (s.subject === undefined || this.#rules.eligible(s.by, { subject: s.subject, alsoConcerns: [] }));
  }

  /** The counted reviews of one kind, one per reviewer (by name and by key). */
  #acts(counted: readonly Review[], kind: ReviewKind): Act[] {
    const out: Act[] = [];
    for (const r of counted) {
      if (r.kind !== kind || out.some((x) => x.by === r.by || x.signer === r.signer)) continue;
      out.push({ index: r.index, by: r.by, signer: r.signer, time: r.time, ...(r.text ? { text: r.text } : {}) });
    }
    return out;
  }

  /** The counted suppression that silences this alert, if any: it counts and its author is not concerned by the alert. */
  #suppressedBy(a: AlertRecord): number | undefined {
    if (a.suppressedAt === undefined) return undefined;
    const s = this.#suppressions.find((x) => x.index === a.suppressedAt);
    return s && this.#suppressionCounts(s) && this.#rules.eligible(s.by, a) ? s.index : undefined;
  }

  /**
   * The alert's state, decided as its view would decide it but without building the view:
   * a queue filtered by state checks every alert, and most have no review at all.
   */
  #state(a: AlertRecord): AlertState {
    const suppressedBy = this.#suppressedBy(a);
    if (a.reviews.length === 0) return suppressedBy !== undefined ? 'suppressed' : 'open';
    const counted = a.reviews.filter((r) => this.#counts(a, r));
    return stateOf({ closes: this.#acts(counted, 'alert.closed'), closesNeeded: a.closesNeeded, suppressedBy, acks: this.#acts(counted, 'alert.ack') });
  }

  #view(a: AlertRecord): AlertView {
    const counted = a.reviews.filter((r) => this.#counts(a, r));
    const { since: _s, reviews: _r, suppressedAt: _a, ...rest } = a;
    const suppressedBy = this.#suppressedBy(a);
    const comments = counted.filter((r) => r.kind === 'alert.comment').map((r) => ({ index: r.index, by: r.by, signer: r.signer, time: r.time, ...(r.text ? { text: r.text } : {}) }));
    const v: AlertView = { ...rest, recipients: [...a.recipients], state: 'open', acks: this.#acts(counted, 'alert.ack'), closes: this.#acts(counted, 'alert.closed'), comments, ...(suppressedBy !== undefined ? { suppressedBy } : {}) };
    v.state = stateOf(v);
    return v;
  }

  get(id: number): AlertView | undefined {
    const a = this.#alerts.get(id);
    return a && this.#view(a);
  }

  /** The alert already raised for a finding id, if any (so replays do not raise twice). */
  byFinding(finding: string): AlertView | undefined {
    const id = this.#byFinding.get(finding);
    return id === undefined ? undefined : this.get(id);
  }

  /** Views of the alerts matching `f` that `keep` accepts (checked on the raised facts, before a view is built). */
  list(f: AlertFilter = {}, keep?: (a: RaisedFacts) => boolean): AlertView[] {
    const out: AlertView[] = [];
    for (const a of this.#matching(f)) if (!keep || keep(a)) out.push(this.#view(a));
    return out;
  }

  /** What alert `id` was raised with (no view built), if the book has it. */
  facts(id: number): RaisedFacts | undefined {
    const a = this.#alerts.get(id);
    return a && { id: a.id, time: a.time, rule: a.rule, score: a.score, severity: a.severity, subject: a.subject, alsoConcerns: a.alsoConcerns };
  }

  /**
   * What the alerts matching `f` were raised with, without building their views: a
   * queue pages these, then views one page with get().
   */
  raised(f: AlertFilter = {}): RaisedFacts[] {
    return [...this.#matching(f)].map((a) => this.facts(a.id)!);
  }

  *#matching(f: AlertFilter): Iterable<AlertRecord> {
    for (const a of this.#alerts.values()) {
      if (f.subject !== undefined && a.subject !== f.subject) continue;
      if (f.severity !== undefined && a.severity !== f.severity) continue;
      if (f.since !== undefined && a.time < f.since) continue;
      if (f.until !== undefined && a.time > f.until) continue;
      if (f.state !== undefined && this.#state(a) !== f.state) continue;
      yield a;
    }
  }

  /** The counted suppression in force at `now` for this alert's rule and people, never one whose author it concerns. */
  activeSuppression(about: { subject: string; alsoConcerns: readonly string[] }, rule: string, now: string): Suppression | undefined {
    return this.suppressions(now).find((s) => (s.subject === undefined || s.subject === about.subject) && (s.rule === undefined || s.rule === rule) && this.#rules.eligible(s.by, about));
  }

  /** Counted suppressions (in force at `now` when given). */
  suppressions(now?: string): Suppression[] {
    return this.#suppressions
      .filter((s) => (now === undefined || now < s.until) && this.#suppressionCounts(s))
      .map(({ signer: _g, signed: _s, ...rest }) => rest);
  }
}

function stateOf(a: Pick<AlertView, 'closes' | 'closesNeeded' | 'suppressedBy' | 'acks'>): AlertState {
  if (a.closes.length >= a.closesNeeded) return 'closed';
  if (a.suppressedBy !== undefined) return 'suppressed';
  return a.acks.length > 0 ? 'acknowledged' : 'open';
}

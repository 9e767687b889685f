// AlertService: turns detector Findings and notifier events into `alert.*` log
// entries, routes them (router.ts), delivers them (deliverer.ts), and records
// what reviewers do. Every state change is appended to the log first; the
// in-memory AlertBook is only a cache of the log, refreshed before each decision
// so acknowledgements appended by another process (the CLI) count. Reviews are
// signed by the reviewer (review.ts): the service checks them and appends them
// as they were signed; it cannot make one itself.
import type { Finding } from '../detect/finding.js';
import { IlogError } from '../ledger/errors.js';
import type { AlertLog } from './alert-log.js';
import { AlertBook, type AlertBookState, type AlertFilter, type AlertView, type RaisedFacts, type Suppression } from './book.js';
import { pageAlerts, type AlertPage } from './filter.js';
import { renderMessage, type AlertMessage, type Channel } from './channels/index.js';
import { channelsFor, Deliverer, type DeliveryOutcome } from './deliverer.js';
import { rfc3339 } from './entries.js';
import { escalationDue, type EscalationStep } from './escalation.js';
import type { Notifier, NotifyEvent } from './notifier.js';
import { realSleep, type Sleep } from './retry.js';
import { checkReview, type ReviewerKeys } from './review.js';
import { openRaised, sealedFields, type SealedBody } from './seal.js';
import type { GovernanceSigner } from '../governance/signing.js';
import { signReview } from './review.js';
import { isEligible, nextLevel, recipientsAt, route, MIN_REVIEWERS, type RouteLevel } from './router.js';
import type { RoutingConfig } from './routing-config.js';

/** A failed delivery of an alert raises one of these; its own failures are logged but raise nothing more (no alert storms). */
export const DELIVERY_FAILED_RULE = 'delivery-failed';
/** Longest suppression one reviewer can set: silence must end on its own. */
export const MAX_SUPPRESSION_MS = 30 * 24 * 3600_000;
const READ_CHUNK = 1000;

export interface AlertServiceOptions {
  log: AlertLog;
  config: RoutingConfig;
  /** The log's origin: review signatures are bound to it. */
  origin: string;
  /** Reviewers' registered public keys (the governance replay). */
  keys: ReviewerKeys;
  /** Seal alert bodies (seal.ts) with these keys, loaded on first use; without it alerts are logged in clear (logs made before sealing). */
  sealing?: () => Promise<Sealing>;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  clock?: () => number;
  /** Used between delivery retries; injectable so tests do not wait. */
  sleep?: Sleep;
  /** Defaults to the channels the config calls for (email, webhook, slack). */
  channels?: Channel[];
  /** Background failures (escalation check, logging a delivery); default: a process warning. */
  onError?: (e: unknown) => void;
  /** Start from this book (a sound snapshot, log/state-snapshot.ts): the first refresh reads only the entries after it. */
  restored?: AlertBookState;
  /** When to snapshot the book (a SnapshotSchedule): refresh stops at the due checkpoint's size and hands over the book. */
  snapshots?: { due(position: number): number | undefined; take(size: number, state: AlertBookState): unknown };
}

export class AlertService implements Notifier {
  readonly #log: AlertLog;
  readonly #cfg: RoutingConfig;
  readonly #clock: () => number;
  readonly #deliverer: Deliverer;
  readonly #book: AlertBook;
  readonly #origin: string;
  readonly #keys: ReviewerKeys;
  readonly #sealing: (() => Promise<Sealing>) | undefined;
  /** Serialises appends so the book sees the log in index order. */
  #lock: Promise<unknown> = Promise.resolve();
  readonly #inflight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  readonly #onError: (e: unknown) => void;
  readonly #snapshots: AlertServiceOptions['snapshots'];

  constructor(o: AlertServiceOptions) {
    this.#log = o.log;
    this.#cfg = o.config;
    this.#origin = o.origin;
    this.#keys = o.keys;
    this.#sealing = o.sealing;
    this.#book = new AlertBook({ origin: o.origin, keys: o.keys, eligible: (r, a) => isEligible(o.config, r, a) });
    if (o.restored) this.#book.restore(o.restored);
    this.#snapshots = o.snapshots;
    this.#clock = o.clock ?? Date.now;
    this.#onError = o.onError ?? ((e) => process.emitWarning(`ilog alerts: ${e instanceof Error ? e.message : String(e)}`));
    this.#deliverer = new Deliverer(o.config, o.channels ?? channelsFor(o.config, this.#clock), o.sleep ?? realSleep);
  }

  get config(): RoutingConfig {
    return this.#cfg;
  }

  /** Raises an alert for a finding (once per finding id) and starts delivering it. */
  async raise(f: Finding): Promise<AlertView> {
    return this.#raise({ ...f, from: 'rule' });
  }

  async notify(e: NotifyEvent): Promise<number> {
    const a = await this.#raise({
      id: e.id,
      rule: e.kind,
      subject: e.subject,
      alsoConcerns: e.alsoConcerns ?? [],
      severity: e.severity,
      // Events carry no anomaly score; a nominal one per severity keeps sorting by score meaningful.
      score: e.severity === 'high' ? 90 : e.severity === 'medium' ? 60 : 30,
      reasons: e.reasons,
      entries: e.entries ?? [],
      from: 'rule',
    });
    return a.id;
  }

  async #raise(input: Omit<Finding, 'time'> & { from: RouteLevel; about?: number }): Promise<AlertView> {
    const f = withinEntryBounds(input);
    const a = await this.#exclusive(async () => {
      const seen = this.#book.byFinding(f.id);
      if (seen) return { alert: seen, fresh: false };
      const now = rfc3339(this.#clock());
      const r = route(this.#cfg, f, f.from);
      const suppression = this.#book.activeSuppression(f, f.rule, now);
      const body: SealedBody = {
        finding: f.id,
        rule: f.rule,
        subject: f.subject,
        alsoConcerns: f.alsoConcerns,
        score: f.score,
        reasons: f.reasons,
        entries: f.entries,
        recipients: r.recipients,
        ...(f.about !== undefined ? { about: f.about } : {}),
      };
      const id = await this.#append({
        kind: 'alert.raised',
        time: now,
        severity: f.severity,
        group: r.group,
        route: r.level,
        ...(this.#sealing ? await this.#seal(body) : body),
        ...(r.belowMinimum ? { belowMinimum: true } : {}),
        ...(suppression ? { suppressedBy: suppression.index } : {}),
      });
      return { alert: this.#book.get(id)!, fresh: true };
    });
    if (a.fresh && a.alert.state === 'open') this.#send(a.alert, 'raised', a.alert.recipients);
    return a.alert;
  }

  get origin(): string {
    return this.#origin;
  }

  /**
   * Appends a reviewer's signed ack, comment, close or escalation request after
   * checking it (signature by the key registered for `by`, time, review rules).
   * An alert that does not exist and one about the reviewer answer alike
   * (ALERT_NOT_FOUND): the subject learns nothing, not even its state.
   */
  async act(entry: SignedAct): Promise<AlertView> {
    return this.#exclusive(async () => {
      this.#requireReviewer(entry.by);
      checkReview(entry, this.#keys, this.#origin, this.#clock());
      const a = this.#actionable(entry.alert, entry.by);
      if (entry.kind === 'alert.ack' && a.acks.some((x) => x.by === entry.by)) return a; // idempotent per reviewer
      if (entry.kind === 'alert.closed' && a.closes.some((x) => x.by === entry.by || x.signer === entry.signature.signer)) {
        throw new IlogError('SECOND_REVIEWER_REQUIRED', `alert ${a.id} needs ${a.closesNeeded} distinct reviewers to close; ${entry.by} already did — ask another recipient`, {
          alert: a.id,
          closedBy: a.closes.map((x) => x.by),
        });
      }
      const index = await this.#append({ ...entry, v: 1 });
      if (entry.kind === 'alert.escalate') await this.#escalateOnRequest(a, index);
      return this.#book.get(a.id)!;
    });
  }

  /** Appends a reviewer's signed suppression: subject and/or rule, at most 30 days, never covering its author. */
  async suppress(entry: SignedSuppression): Promise<Suppression> {
    const { match, by } = entry;
    if (match.subject === undefined && match.rule === undefined) throw new IlogError('INVALID_FIELD', 'a suppression needs a subject or a rule (never all alerts)', { field: 'match' });
    const durationMs = Date.parse(entry.until) - Date.parse(entry.time);
    if (!(durationMs > 0 && durationMs <= MAX_SUPPRESSION_MS)) {
      throw new IlogError('INVALID_FIELD', `suppression duration must be between 1 ms and ${MAX_SUPPRESSION_MS / 86_400_000} days`, { field: 'duration' });
    }
    if (!entry.reason.trim()) throw new IlogError('INVALID_FIELD', 'a suppression needs a reason', { field: 'reason' });
    this.#requireReviewer(by);
    checkReview(entry, this.#keys, this.#origin, this.#clock());
    if (match.subject !== undefined && !isEligible(this.#cfg, by, { subject: match.subject, alsoConcerns: [] })) {
      throw new IlogError('NOT_ALLOWED', `${by} cannot suppress alerts about themselves; ask another reviewer`, { by });
    }
    return this.#exclusive(async () => {
      const idx = await this.#append({ ...entry, v: 1 });
      return this.#book.suppressions().find((s) => s.index === idx)!;
    });
  }

  /** Signs and submits an ack with a reviewer's own key (the CLI, tests). */
  ack(id: number, r: ReviewerSigner, note?: string): Promise<AlertView> {
    return this.act(signReview({ kind: 'alert.ack', time: this.#now(), alert: id, by: r.name, ...(note ? { note } : {}) }, r.key, this.#origin));
  }

  close(id: number, r: ReviewerSigner, resolution?: string): Promise<AlertView> {
    return this.act(signReview({ kind: 'alert.closed', time: this.#now(), alert: id, by: r.name, ...(resolution ? { resolution } : {}) }, r.key, this.#origin));
  }

  comment(id: number, r: ReviewerSigner, text: string): Promise<AlertView> {
    return this.act(signReview({ kind: 'alert.comment', time: this.#now(), alert: id, by: r.name, text }, r.key, this.#origin));
  }

  escalate(id: number, r: ReviewerSigner, note?: string): Promise<AlertView> {
    return this.act(signReview({ kind: 'alert.escalate', time: this.#now(), alert: id, by: r.name, ...(note ? { note } : {}) }, r.key, this.#origin));
  }

  suppressAs(match: { subject?: string; rule?: string }, durationMs: number, r: ReviewerSigner, reason: string): Promise<Suppression> {
    const now = this.#clock();
    return this.suppress(signReview({ kind: 'alert.suppressed', time: rfc3339(now), match, until: rfc3339(now + durationMs), by: r.name, reason }, r.key, this.#origin));
  }

  /** A reviewer asked: the alert reaches the next routing level now (or, at the top, everyone is reminded). */
  async #escalateOnRequest(a: AlertView, request: number): Promise<void> {
    const level = nextLevel(a.route) ?? a.route;
    const { group, recipients } = recipientsAt(this.#cfg, a, level);
    const added = recipients.filter((r) => !a.recipients.includes(r));
    const belowMinimum = new Set([...a.recipients, ...recipients]).size < MIN_REVIEWERS;
    await this.#append({ kind: 'alert.escalated', time: this.#now(), alert: a.id, route: level, group, added, reason: 'requested', request, ...(belowMinimum ? { belowMinimum: true } : {}) });
    const now = this.#book.get(a.id)!;
    this.#send(now, 'escalated', added.length > 0 ? added : now.recipients);
  }

  /** Escalates every alert left unacknowledged past the configured delay; returns what it did. */
  async tick(): Promise<EscalationStep[]> {
    const steps = await this.#exclusive(async () => {
      const due = escalationDue(this.#book.list({ state: 'open' }), this.#cfg, this.#clock());
      for (const s of due) {
        await this.#append({ kind: 'alert.escalated', time: this.#now(), alert: s.alert.id, route: s.route, group: s.group, added: s.added, reason: 'unacknowledged', ...(s.belowMinimum ? { belowMinimum: true } : {}) });
      }
      return due;
    });
    for (const s of steps) {
      const a = this.#book.get(s.alert.id)!;
      this.#send(a, 'escalated', s.added.length > 0 ? s.added : a.recipients);
    }
    return steps;
  }

  /** Delivers what a previous process raised but did not get to deliver (crash between append and delivery). */
  async resume(): Promise<void> {
    await this.refresh();
    for (const a of this.#book.list({ state: 'open' })) {
      const missing = a.recipients.filter((r) => !a.deliveries.some((d) => d.recipient === r));
      if (missing.length > 0) this.#send(a, a.escalations.length ? 'escalated' : 'raised', missing);
    }
  }

  /** Resumes pending deliveries and checks for escalations every `intervalMs`. */
  start(intervalMs = 10_000): void {
    this.resume().catch(this.#onError);
    this.#timer = setInterval(() => void this.tick().catch(this.#onError), intervalMs);
    this.#timer.unref();
  }

  /** Waits for every delivery started so far (and the ones they trigger) to finish and be logged. */
  async idle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  /** Stops the escalation timer, waits for deliveries in flight, closes channels. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.idle();
    await this.#deliverer.close();
  }

  /** Reads entries other processes appended since the last look (opening sealed alerts with the server key). */
  async refresh(): Promise<void> {
    // A snapshot due at a checkpoint ahead: read up to its size first, hand the book over there.
    let mark = this.#snapshots?.due(this.#book.next);
    const handOver = (): void => {
      if (mark === undefined || this.#book.next !== mark) return;
      this.#snapshots!.take(mark, this.#book.snapshot());
      mark = undefined;
    };
    for (;;) {
      handOver();
      const max = mark !== undefined && mark > this.#book.next ? Math.min(READ_CHUNK, mark - this.#book.next) : READ_CHUNK;
      const batch = await this.#log.read(this.#book.next, max);
      for (const { index, entry } of batch) this.#book.apply(index, await this.#open(entry));
      if (batch.length < max) return handOver();
    }
  }

  /** The public part in clear, the people only as keyed tags, the rest sealed to the recipients and the server. */
  async #seal(body: SealedBody): Promise<Record<string, unknown>> {
    return sealedFields(body, await this.#sealing!(), body.recipients.flatMap((r) => this.#keys.current(r)?.recipient ?? []));
  }

  async #open(entry: unknown): Promise<unknown> {
    const e = entry as Record<string, unknown> | undefined;
    if (!this.#sealing || e?.kind !== 'alert.raised' || typeof e.sealed !== 'string') return entry;
    return openRaised(e, await this.#sealing());
  }

  async list(filter: AlertFilter = {}): Promise<AlertView[]> {
    await this.refresh();
    return this.#book.list(filter);
  }

  /**
   * One page of the alerts matching `q` that `keep` accepts (ordered, filtered by rule and
   * score, cut by pageAlerts); `total` counts every match. Only the page's views are built
   * (a state filter is decided from the reviews without a view): a queue of 10,000 alerts
   * costs one page of views, not 10,000.
   */
  async page(q: AlertPage, keep: (a: RaisedFacts) => boolean): Promise<{ items: AlertView[]; total: number; next?: number }> {
    await this.refresh();
    const { rule: _r, minScore: _m, sort: _s, limit: _l, offset: _o, ...filter } = q;
    const { items, ...rest } = pageAlerts(this.#book.raised(filter).filter(keep), q);
    return { ...rest, items: items.map((a) => this.#book.get(a.id)!) };
  }

  /** What each of `ids` was raised with (no view built; ids that name no alert are left out), after one refresh. */
  async facts(ids: readonly number[]): Promise<RaisedFacts[]> {
    await this.refresh();
    return ids.flatMap((id) => this.#book.facts(id) ?? []);
  }

  async get(id: number): Promise<AlertView | undefined> {
    await this.refresh();
    return this.#book.get(id);
  }

  #send(a: AlertView, event: AlertMessage['event'], to: readonly string[]): void {
    const p = this.#deliverer
      .deliver(renderMessage(a, event), to, (o) => this.#recordDelivery(a, o))
      // The log refused the outcome (outage): report it; resume() on the next start re-delivers what has no outcome logged.
      .catch(this.#onError)
      .finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
  }

  async #recordDelivery(a: AlertView, o: DeliveryOutcome): Promise<void> {
    await this.#exclusive(() =>
      this.#append({ kind: 'alert.delivery', time: this.#now(), alert: a.id, recipient: o.recipient, channel: o.channel, status: o.ok ? 'delivered' : 'failed', attempts: o.attempts, ...(o.error ? { error: o.error } : {}) }),
    );
    if (o.ok || a.rule === DELIVERY_FAILED_RULE) return;
    await this.#raise({
      id: `${DELIVERY_FAILED_RULE}:${a.id}:${o.recipient}:${o.channel}`,
      rule: DELIVERY_FAILED_RULE,
      subject: a.subject,
      // The unreachable reviewer cannot be told over the broken channel; everyone else in the fallback group can.
      alsoConcerns: [...new Set([...a.alsoConcerns, o.recipient])],
      severity: a.severity,
      score: a.score,
      reasons: [`Alert #${a.id} could not be delivered to ${o.recipient} by ${o.channel} after ${o.attempts} attempt(s): ${o.error ?? 'unknown error'}`, ...a.reasons].slice(0, 32),
      entries: a.entries,
      from: 'fallback',
      about: a.id,
    });
  }

  /**
   * Validation shared by reviews: the alert exists and does not concern `by`
   * (both answered ALERT_NOT_FOUND, before anything about its state), is not
   * closed, and `by` is a recipient.
   */
  #actionable(id: number, by: string): AlertView {
    const a = this.#book.get(id);
    if (!a || !isEligible(this.#cfg, by, a)) throw new IlogError('ALERT_NOT_FOUND', `no alert ${id} you may see; list them with \`ilog alerts list\``, { alert: id });
    if (a.state === 'closed') throw new IlogError('ALERT_CLOSED', `alert ${id} is already closed`, { alert: id });
    if (!a.recipients.includes(by)) throw new IlogError('NOT_A_RECIPIENT', `${by} is not a recipient of alert ${id}; one of ${a.recipients.join(', ')} must act`, { alert: id, by });
    return a;
  }

  #requireReviewer(by: string): void {
    if (!this.#cfg.reviewers[by]) throw new IlogError('UNKNOWN_REVIEWER', `${by} is not a reviewer in the routing config`, { by });
  }

  /** Appends, then catches the book up to (and including) the new entry. Call only inside #exclusive. */
  async #append(entry: Record<string, unknown>): Promise<number> {
    await this.refresh();
    const index = await this.#log.append({ v: 1, ...entry });
    await this.refresh();
    return index;
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(async () => {
      await this.refresh();
      return fn();
    });
    this.#lock = run.catch(() => {});
    return run;
  }

  #now(): string {
    return rfc3339(this.#clock());
  }
}

/** The server's alert key (an age identity) and the key of the public tags (the data directory's hmac.key). */
export interface Sealing {
  identity: string;
  recipient: string;
  tagKey: Uint8Array;
}

/** A reviewer's name and signing key (their key file from `ilog reviewer keygen`). */
export interface ReviewerSigner {
  name: string;
  key: GovernanceSigner;
}

type Sig = { signer: string; sig: string };
/** A signed ack, comment, close or escalation request as a client submits it. */
export type SignedAct = { kind: 'alert.ack' | 'alert.comment' | 'alert.closed' | 'alert.escalate'; time: string; alert: number; by: string; signature: Sig } & Record<string, unknown>;
export type SignedSuppression = { kind: 'alert.suppressed'; time: string; match: { subject?: string; rule?: string }; until: string; by: string; reason: string; signature: Sig };

/** Clamps what comes from detectors and notifiers to the alert.raised schema's bounds, so one oversized finding cannot block the pipeline. */
function withinEntryBounds<F extends Omit<Finding, 'time'>>(f: F): F {
  const reasons = f.reasons.slice(0, 32).map((r) => (r.length > 2000 ? r.slice(0, 1997) + '...' : r));
  return {
    ...f,
    alsoConcerns: f.alsoConcerns.slice(0, 64),
    reasons: reasons.length > 0 ? reasons : ['(no reason given)'],
    entries: f.entries.slice(0, 1000),
    score: Math.min(100, Math.max(0, Number.isFinite(f.score) ? f.score : 0)),
  };
}

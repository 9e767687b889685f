// The governance state machine: feed it the log's entries in index order and it
// keeps the running policy (policy.ts). It is deterministic — the same entries
// give the same policy on every machine — so the proxy, the server, `ilog
// policy show` and an auditor's `ilog verify` all agree on who may do what.
//
// Time: an entry's `time` is written by its producer, so the machine judges
// each entry at max(its time, the clock), where the clock is the largest time
// of the signed governance entries accepted so far: an entry cannot travel back
// before them, and a refused or unsigned entry cannot push the clock forward.
import { z } from 'zod';
import { IlogError } from '../ledger/errors.js';
import { storageMigratedSchema, type StorageMigratedEntry } from '../ledger/entries/storage-migrated.js';
import { applyChange, inapplicable } from './apply.js';
import { checkChanges, type Change } from './changes.js';
import {
  approvalEntrySchema,
  breakglassExpiredEntrySchema,
  breakglassRequestEntrySchema,
  genesisGovernanceSchema,
  lockdownSetEntrySchema,
  lockSetEntrySchema,
  proposalEntrySchema,
  rejectedEntrySchema,
  signedBody,
  type SignedEntry,
} from './entries.js';
import { emptyPolicy, type Grant, type Pending, type Policy, type Provenance, type Rejection } from './policy.js';
import { bodyId, verifySignature, type Signature } from './signing.js';
import { formatTime } from './schema-parts.js';

/** Longest a signed body may stay valid: a proposal collects approvals for at most 30 days. */
export const MAX_PROPOSAL_MS = 30 * 86_400_000;
/** One-signature actions must reach the log within a day of being signed. */
export const MAX_ACTION_MS = 86_400_000;

export type GovernanceEvent =
  | { type: 'applied'; index: number; proposal: number; changes: Change[] }
  | { type: 'rejected'; rejection: Rejection }
  | { type: 'locked'; index: number; person: string }
  | { type: 'lockdown'; index: number }
  | { type: 'breakglass'; grant: Grant };

/** Kinds the machine looks at; everything else passes by untouched. */
export function isGovernanceKind(kind: string): boolean {
  return (
    kind === 'genesis' ||
    kind.startsWith('governance.') ||
    kind.startsWith('lock.') ||
    kind.startsWith('lockdown.') ||
    kind.startsWith('breakglass.') ||
    kind.startsWith('user.') ||
    kind === 'storage.migrated'
  );
}

/** Admin- or person-signed kinds: only these, once accepted, move the clock. */
const CLOCK_KINDS = new Set(['governance.proposal', 'governance.approval', 'lock.set', 'lockdown.set', 'breakglass.request']);

class Refused extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function parse<T>(schema: z.ZodType<T>, entry: unknown): T {
  const r = schema.safeParse(entry);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Refused('INVALID', `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'malformed'}`);
  }
  return r.data;
}

export class PolicyMachine {
  readonly policy: Policy = emptyPolicy();
  /** The time the current entry is judged at (see the header). */
  #t = 0;

  /** The replayed policy, for a signed snapshot (log/state-snapshot.ts). */
  snapshot(): Policy {
    return this.policy;
  }

  /** Start from a snapshot's policy: `advance` then replays only the entries after it. */
  restore(policy: Policy): void {
    Object.assign(this.policy, policy);
  }

  /** Feeds entry `index`. Entries must come in index order, each exactly once. */
  apply(index: number, entry: Record<string, unknown>): GovernanceEvent[] {
    if (index !== this.policy.size) {
      throw new IlogError('OUT_OF_ORDER', `governance replay expected entry ${this.policy.size}, got ${index}`, { expected: this.policy.size, index });
    }
    this.policy.size = index + 1;
    const kind = typeof entry.kind === 'string' ? entry.kind : '';
    if (index === 0) return this.#genesis(entry);
    if (!this.policy.governed || !isGovernanceKind(kind)) return [];
    const t = Date.parse(typeof entry.time === 'string' ? entry.time : '');
    this.#t = Number.isFinite(t) && t > this.policy.clock ? t : this.policy.clock;
    try {
      const events = this.#dispatch(index, kind, entry);
      if (CLOCK_KINDS.has(kind)) this.policy.clock = this.#t;
      return events;
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      return [this.#reject(index, e.reason, e.detail)];
    }
  }

  #genesis(entry: Record<string, unknown>): GovernanceEvent[] {
    const p = this.policy;
    if (entry.kind !== 'genesis' || typeof entry.origin !== 'string') {
      throw new IlogError('BAD_GENESIS', 'entry 0 is not a genesis entry with an origin; this is not an ilog log', { kind: entry.kind });
    }
    p.origin = entry.origin;
    const time = typeof entry.time === 'string' ? entry.time : '';
    p.clock = Date.parse(time) || 0;
    const genesisBy: Provenance = { index: 0, time, approvers: [] };
    if (typeof entry.logKey === 'string') p.logKey = { value: entry.logKey, madeBy: genesisBy };
    if (entry.admins === undefined && entry.quorum === undefined) return [];
    const g = genesisGovernanceSchema.safeParse(entry);
    if (!g.success || g.data.quorum > g.data.admins.length || new Set(g.data.admins.map((a) => a.vkey)).size !== g.data.admins.length) {
      throw new IlogError('BAD_GENESIS', 'the genesis admin set or quorum is malformed; the log cannot be governed', { admins: entry.admins, quorum: entry.quorum });
    }
    p.governed = true;
    p.admins = g.data.admins;
    p.quorum = g.data.quorum;
    p.adminsMadeBy = genesisBy;
    p.epoch = 0;
    p.versions.set('admins', 0);
    return [];
  }

  #dispatch(index: number, kind: string, entry: Record<string, unknown>): GovernanceEvent[] {
    switch (kind) {
      case 'governance.proposal':
        return this.#proposal(index, parse(proposalEntrySchema, entry));
      case 'governance.approval':
        return this.#approval(index, parse(approvalEntrySchema, entry));
      case 'lock.set':
        if (entry.signature === undefined) throw new Refused('UNSIGNED', 'an unsigned lock does not count once governance is on; use `ilog lock --key`');
        return this.#lock(index, parse(lockSetEntrySchema, entry));
      case 'lockdown.set':
        if (entry.signature === undefined) throw new Refused('UNSIGNED', 'an unsigned lockdown does not count once governance is on; use `ilog lockdown --key`');
        return this.#lockdown(index, parse(lockdownSetEntrySchema, entry));
      case 'lock.lifted':
      case 'lockdown.lifted':
        throw new Refused('INSUFFICIENT', 'lifting a lock or lockdown needs the quorum: propose lock.lift / lockdown.lift');
      case 'breakglass.request':
        return this.#breakglass(index, parse(breakglassRequestEntrySchema, entry));
      case 'breakglass.expired':
        return this.#expired(index, parse(breakglassExpiredEntrySchema, entry));
      case 'governance.rejected':
        this.#recorded(index, parse(rejectedEntrySchema, entry));
        return [];
      case 'governance.notice': {
        const g = this.policy.grants.get(typeof entry.subject === 'number' ? entry.subject : -1);
        if (g) g.notified ??= index;
        return [];
      }
      case 'storage.migrated':
        this.#migrated(index, parse(storageMigratedSchema, entry));
        return [];
      case 'genesis':
        throw new Refused('INVALID', 'a second genesis entry means nothing');
      default:
        if (kind.startsWith('user.')) throw new Refused('UNSIGNED', 'persons are governed: propose person.add / person.update / person.remove');
        throw new Refused('INVALID', `unknown governance entry kind ${kind}`);
    }
  }

  /** A migration counts only as the quorum approved it: that store, those versions, that proposal. */
  #migrated(index: number, e: StorageMigratedEntry): void {
    const p = this.policy;
    const approved = p.storageMigrations.get(e.store);
    if (!approved || approved.madeBy.index !== e.approval || approved.value.from !== e.from || approved.value.to !== e.to) {
      throw new Refused('UNAPPROVED', `no applied storage.migrate ${e.store} ${e.from} → ${e.to} at entry ${e.approval}`);
    }
    if (p.storageMigrated.some((m) => m.store === e.store && m.approval === e.approval)) {
      throw new Refused('REPLAYED', `the migration approved at entry ${e.approval} was already recorded`);
    }
    p.storageMigrated.push({ store: e.store, from: e.from, to: e.to, index, approval: e.approval });
  }

  /** Checks every signed body the same way: origin, id, validity window, signer, signature, replay. */
  #checkSigned(e: SignedEntry, maxWindowMs: number, signers: ReadonlyMap<string, string>): string {
    const p = this.policy;
    if (e.origin !== p.origin) throw new Refused('WRONG_ORIGIN', `signed for log ${e.origin}, not ${p.origin}`);
    if (bodyId(signedBody(e)) !== e.id) throw new Refused('BAD_ID', 'id is not the SHA-256 of the canonical body');
    const expires = Date.parse(e.expires);
    if (this.#t > expires) throw new Refused('EXPIRED', `expired at ${e.expires}, logged at ${formatTime(this.#t)}`);
    if (expires - this.#t > maxWindowMs) throw new Refused('INVALID', `expiry ${e.expires} is too far ahead`);
    const name = signers.get(e.signature.signer);
    if (name === undefined) throw new Refused('UNKNOWN_KEY', `signed by ${keyLabel(e.signature)}, which may not sign this`);
    if (!verifySignature(e.signature, p.origin, e.id)) throw new Refused('BAD_SIGNATURE', `signature by ${name} does not verify`);
    if (p.seen.has(e.id)) throw new Refused('REPLAYED', `body ${e.id} was already logged`);
    p.seen.add(e.id);
    return name;
  }

  #adminKeys(): Map<string, string> {
    return new Map(this.policy.admins.map((a) => [a.vkey, a.name]));
  }

  #proposal(index: number, e: z.infer<typeof proposalEntrySchema>): GovernanceEvent[] {
    const p = this.policy;
    this.#checkSigned(e, MAX_PROPOSAL_MS, this.#adminKeys());
    for (const c of e.changes) if ('credential' in c) p.commitments.add(c.credential);
    const pending: Pending = { index, id: e.id, expires: e.expires, epoch: e.epoch, approvals: new Map(), state: 'pending', changes: e.changes };
    p.proposals.set(e.id, pending);
    try {
      if (e.epoch !== p.epoch) throw new Refused('ADMINS_CHANGED', `made for the admin set of entry ${e.epoch}; the current one is from entry ${p.epoch}`);
      try {
        checkChanges(e.changes);
      } catch (err) {
        throw new Refused('INVALID', err instanceof Error ? err.message : String(err));
      }
      for (const c of e.changes) {
        const why = inapplicable(p, c);
        if (why?.reason === 'SUPERSEDED') throw new Refused(why.reason, why.detail);
      }
      return this.#count(index, pending, e.signature.signer);
    } catch (err) {
      if (err instanceof Refused) this.#kill(pending, err.reason);
      throw err;
    }
  }

  #approval(index: number, e: z.infer<typeof approvalEntrySchema>): GovernanceEvent[] {
    const p = this.policy;
    if (e.origin !== p.origin) throw new Refused('WRONG_ORIGIN', `approval for log ${e.origin}, not ${p.origin}`);
    const pending = p.proposals.get(e.proposal);
    if (!pending) throw new Refused('UNKNOWN_PROPOSAL', `no proposal ${e.proposal} in this log`);
    const name = this.#adminKeys().get(e.signature.signer);
    if (name === undefined) throw new Refused('UNKNOWN_KEY', `signed by ${keyLabel(e.signature)}, not a current admin`);
    if (!verifySignature(e.signature, p.origin, e.proposal)) throw new Refused('BAD_SIGNATURE', `approval by ${name} does not verify for proposal ${e.proposal}`);
    if (pending.state === 'applied') return []; // a late approval of an applied proposal changes nothing
    if (pending.state === 'dead') throw new Refused(pending.deathReason ?? 'PROPOSAL_DEAD', `proposal at entry ${pending.index} can no longer be applied`);
    if (pending.approvals.has(e.signature.signer)) throw new Refused('DUPLICATE_APPROVAL', `${name} already approved proposal at entry ${pending.index}; counted once`);
    try {
      if (this.#t > Date.parse(pending.expires)) throw new Refused('EXPIRED', `proposal at entry ${pending.index} expired at ${pending.expires}`);
      if (pending.epoch !== p.epoch) throw new Refused('ADMINS_CHANGED', `the admin set changed at entry ${p.epoch} after proposal ${pending.index}`);
      return this.#count(index, pending, e.signature.signer);
    } catch (err) {
      if (err instanceof Refused) this.#kill(pending, err.reason);
      throw err;
    }
  }

  /** Counts a valid approval and applies the proposal when the quorum is reached. */
  #count(index: number, pending: Pending, signer: string): GovernanceEvent[] {
    const p = this.policy;
    pending.approvals.set(signer, index);
    if (pending.approvals.size < p.quorum) return [];
    for (const c of pending.changes) {
      const why = inapplicable(p, c);
      if (why) {
        this.#kill(pending, why.reason);
        throw new Refused(why.reason, `proposal at entry ${pending.index}: ${why.detail}`);
      }
    }
    const names = new Map(p.admins.map((a) => [a.vkey, a.name]));
    const by: Provenance = { index, time: formatTime(this.#t), proposal: pending.index, approvers: [...pending.approvals.keys()].map((k) => names.get(k)!) };
    pending.state = 'applied';
    let adminsChanged = false;
    for (const c of pending.changes) adminsChanged = applyChange(p, c, by) || adminsChanged;
    if (adminsChanged) for (const other of p.proposals.values()) if (other.state === 'pending') this.#kill(other, 'ADMINS_CHANGED');
    return [{ type: 'applied', index, proposal: pending.index, changes: pending.changes }];
  }

  #kill(pending: Pending, reason: string): void {
    if (pending.state !== 'pending') return;
    pending.state = 'dead';
    pending.deathReason = reason;
  }

  #lock(index: number, e: z.infer<typeof lockSetEntrySchema>): GovernanceEvent[] {
    const name = this.#checkSigned(e, MAX_ACTION_MS, this.#adminKeys());
    const by: Provenance = { index, time: formatTime(this.#t), approvers: [name] };
    this.policy.locks.set(e.person, { person: e.person, reason: e.reason, madeBy: by });
    this.policy.versions.set(`lock:${e.person}`, index);
    return [{ type: 'locked', index, person: e.person }];
  }

  #lockdown(index: number, e: z.infer<typeof lockdownSetEntrySchema>): GovernanceEvent[] {
    const name = this.#checkSigned(e, MAX_ACTION_MS, this.#adminKeys());
    this.policy.lockdown = { reason: e.reason, madeBy: { index, time: formatTime(this.#t), approvers: [name] } };
    this.policy.versions.set('lockdown', index);
    return [{ type: 'lockdown', index }];
  }

  #breakglass(index: number, e: z.infer<typeof breakglassRequestEntrySchema>): GovernanceEvent[] {
    const p = this.policy;
    const person = p.persons.get(e.person);
    // The person's own key, or any admin asking on their behalf (e.g. over the phone).
    const signers = this.#adminKeys();
    if (person?.vkey) signers.set(person.vkey, e.person);
    const requestedBy = this.#checkSigned(e, MAX_ACTION_MS, signers);
    if (!person) throw new Refused('NOT_APPLICABLE', `no person ${e.person}`);
    if (p.locks.has(e.person)) throw new Refused('NOT_APPLICABLE', `${e.person} is locked; break-glass does not lift a lock`);
    const since = this.#t;
    const grant: Grant = { index, person: e.person, reason: e.reason, since: formatTime(since), until: formatTime(since + e.ttlSeconds * 1000), requestedBy };
    p.grants.set(index, grant);
    p.versions.set(`breakglass:${index}`, index);
    return [{ type: 'breakglass', grant }];
  }

  #expired(index: number, e: z.infer<typeof breakglassExpiredEntrySchema>): GovernanceEvent[] {
    const p = this.policy;
    const g = p.grants.get(e.grant);
    if (!g || g.person !== e.person) throw new Refused('INVALID', `no break-glass grant for ${e.person} at entry ${e.grant}`);
    if (g.expired !== undefined) return []; // a second writer noticed the same expiry: idempotent
    if (g.ratified) throw new Refused('NOT_APPLICABLE', `grant ${e.grant} was ratified at entry ${g.ratified.index}`);
    if (this.#t < Date.parse(g.until)) throw new Refused('TOO_EARLY', `grant ${e.grant} runs until ${g.until}`);
    g.expired = index;
    p.versions.set(`breakglass:${e.grant}`, index);
    p.versions.set(`lock:${e.person}`, index);
    const reason = `break-glass grant at entry ${e.grant} was not ratified by the quorum before ${g.until}`;
    p.locks.set(e.person, { person: e.person, reason, grant: e.grant, madeBy: { index, time: formatTime(this.#t), approvers: [] } });
    return [{ type: 'locked', index, person: e.person }];
  }

  /** A governance.rejected entry: remember that the refusal is on record (and accept time-based expiry). */
  #recorded(index: number, e: z.infer<typeof rejectedEntrySchema>): void {
    const p = this.policy;
    const known = p.rejections.get(e.subject);
    if (known) {
      known.recordedAt ??= index;
      return;
    }
    // The loop records proposals that ran out of time without their quorum; replay agrees when it is true.
    for (const pending of p.proposals.values()) {
      if (pending.index === e.subject && pending.state === 'pending' && this.#t > Date.parse(pending.expires)) {
        this.#kill(pending, 'EXPIRED');
        p.rejections.set(e.subject, { subject: e.subject, reason: 'EXPIRED', detail: e.detail ?? '', recordedAt: index });
      }
    }
  }

  #reject(subject: number, reason: string, detail: string): GovernanceEvent {
    const r: Rejection = { subject, reason, detail };
    if (!this.policy.rejections.has(subject)) this.policy.rejections.set(subject, r);
    return { type: 'rejected', rejection: r };
  }
}

function keyLabel(s: Signature): string {
  return s.signer.split('+').slice(0, 2).join('+');
}

// The running policy: what replaying the governance entries of a log from
// genesis yields. Every item remembers the entry that made it (and, for
// quorum changes, the proposal and its approvers), so `ilog policy show`
// answers "who changed this, when, approved by whom" from the log alone.
import type { Change } from './changes.js';

/** Where a piece of policy came from. */
export interface Provenance {
  /** Index of the entry at which the item took its current value. */
  index: number;
  time: string;
  /** Index of the proposal, for quorum changes. */
  proposal?: number;
  /** Admin names whose valid approvals applied it (or the one admin of an emergency action). */
  approvers: string[];
}

export interface Admin {
  name: string;
  vkey: string;
}

export interface Person {
  name: string;
  /** The upstream PostgreSQL role the proxy logs in as for this person. */
  role: string;
  /** SHA-256 commitment to the person's SCRAM verifier (credential.ts). */
  credential: string;
  /** Optional signed-note key with which the person may request break-glass access. */
  vkey?: string;
  madeBy: Provenance;
}

/** A reviewer's public keys, as the quorum registered them (change `reviewer.key`). */
export interface ReviewerKey {
  reviewer: string;
  /** Signed-note Ed25519 key the reviewer signs reviews with. */
  vkey: string;
  /** age X25519 recipient alert bodies are encrypted to. */
  recipient: string;
  madeBy: Provenance;
}

export interface Lock {
  person: string;
  reason: string;
  /** Set when the lock came from an unratified break-glass grant (index of the grant). */
  grant?: number;
  madeBy: Provenance;
}

export interface Grant {
  index: number;
  person: string;
  reason: string;
  since: string;
  until: string;
  /** Who asked: the person's own key or an admin's. */
  requestedBy: string;
  ratified?: Provenance;
  /** Index of the breakglass.expired entry that turned it into a lock. */
  expired?: number;
  /** Index of the governance.notice entry that told the admins. */
  notified?: number;
}

export interface Pending {
  index: number;
  id: string;
  expires: string;
  epoch: number;
  /** vkey → index of the entry carrying that admin's first valid approval. */
  approvals: Map<string, number>;
  changes: Change[];
  state: 'pending' | 'applied' | 'dead';
  /** Why a dead proposal died (a rejection code). */
  deathReason?: string;
}

export interface Rejection {
  /** The refused entry. */
  subject: number;
  reason: string;
  detail: string;
  /** Index of the governance.rejected entry that recorded it, once one exists. */
  recordedAt?: number;
}

export interface Setting<T> {
  value: T;
  madeBy: Provenance;
}

export interface Policy {
  /** False when genesis names no admins: the log then runs without governance. */
  governed: boolean;
  origin: string;
  logKey: Setting<string> | undefined;
  admins: Admin[];
  quorum: number;
  adminsMadeBy: Provenance;
  /** Index of the entry that last changed the admin set (proposals carry it). */
  epoch: number;
  persons: Map<string, Person>;
  purpose: Setting<{ pattern: string; exempt: string[] }> | undefined;
  witnessPolicy: Setting<string> | undefined;
  alertRouting: Setting<Record<string, unknown>> | undefined;
  /** Current keys per reviewer. */
  reviewers: Map<string, ReviewerKey>;
  /** Every reviewer key ever registered, in log order: a review is checked against the key in force at its index. */
  reviewerKeyHistory: ReviewerKey[];
  /** Per store ('sqlite', 'postgres'): the schema migration the quorum approved last. */
  storageMigrations: Map<string, Setting<{ from: number; to: number }>>;
  /** Per store: the migrations `ilog migrate` recorded (`storage.migrated`), in log order. */
  storageMigrated: { store: string; from: number; to: number; index: number; approval: number }[];
  locks: Map<string, Lock>;
  lockdown: { reason: string; madeBy: Provenance } | undefined;
  grants: Map<number, Grant>;
  proposals: Map<string, Pending>;
  /** item → index at which it last changed (the compare-and-swap versions). */
  versions: Map<string, number>;
  /** Refused attempts, by subject index (first reason wins). */
  rejections: Map<number, Rejection>;
  /** Every credential commitment an admin-signed proposal carried (verifiers the proxy store may hold). */
  commitments: Set<string>;
  /** Ids of every signed body seen: a second entry with the same id is a replay. */
  seen: Set<string>;
  /** Latest governance time seen (entry times, clamped to never go backwards). */
  clock: number;
  /** Number of log entries replayed (the next index). */
  size: number;
}

export function emptyPolicy(): Policy {
  return {
    governed: false,
    origin: '',
    logKey: undefined,
    admins: [],
    quorum: 0,
    adminsMadeBy: { index: 0, time: '', approvers: [] },
    epoch: 0,
    persons: new Map(),
    purpose: undefined,
    witnessPolicy: undefined,
    alertRouting: undefined,
    reviewers: new Map(),
    reviewerKeyHistory: [],
    storageMigrations: new Map(),
    storageMigrated: [],
    locks: new Map(),
    lockdown: undefined,
    grants: new Map(),
    proposals: new Map(),
    versions: new Map(),
    rejections: new Map(),
    commitments: new Set(),
    seen: new Set(),
    clock: 0,
    size: 0,
  };
}

/** The signing key of `reviewer` in force at log index `index` (registered at an earlier index), or undefined. */
export function reviewerKeyAt(p: Policy, reviewer: string, index: number): ReviewerKey | undefined {
  let found: ReviewerKey | undefined;
  for (const k of p.reviewerKeyHistory) {
    if (k.madeBy.index >= index) break;
    if (k.reviewer === reviewer) found = k;
  }
  return found;
}

/** Whether `grant` lets its person through a lockdown at `now` (ms). */
export function grantActive(g: Grant, now: number): boolean {
  return g.expired === undefined && now < Date.parse(g.until);
}

/** The plain-JSON view printed by `ilog policy show --json` (stable key order per item). */
export function policyToJSON(p: Policy): Record<string, unknown> {
  const rejections = [...p.rejections.values()].sort((a, b) => a.subject - b.subject);
  return {
    governed: p.governed,
    origin: p.origin,
    size: p.size,
    admins: { members: p.admins, quorum: p.quorum, epoch: p.epoch, madeBy: p.adminsMadeBy },
    logKey: p.logKey ?? null,
    persons: [...p.persons.values()].sort((a, b) => a.name.localeCompare(b.name)),
    purpose: p.purpose ?? null,
    witnessPolicy: p.witnessPolicy ?? null,
    alertRouting: p.alertRouting ?? null,
    reviewers: [...p.reviewers.values()].sort((a, b) => a.reviewer.localeCompare(b.reviewer)),
    storageMigrations: Object.fromEntries(p.storageMigrations),
    storageMigrated: p.storageMigrated,
    locks: [...p.locks.values()].sort((a, b) => a.person.localeCompare(b.person)),
    lockdown: p.lockdown ?? null,
    grants: [...p.grants.values()],
    pending: [...p.proposals.values()]
      .filter((x) => x.state === 'pending')
      .map((x) => ({ index: x.index, id: x.id, expires: x.expires, approvals: x.approvals.size })),
    rejections,
  };
}

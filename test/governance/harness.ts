// An in-memory governed log for the state-machine tests: genesis with N admin
// keys and a quorum, a controllable clock, and every entry passed through the
// same PolicyMachine the server and the proxy use.
import { generateKey } from '../../src/ledger/note.js';
import { PolicyMachine, type GovernanceEvent } from '../../src/governance/machine.js';
import { loadSigner, type GovernanceSigner } from '../../src/governance/signing.js';
import { buildApproval, buildProposal } from '../../src/governance/build.js';
import type { Change } from '../../src/governance/changes.js';
import { commitment } from '../../src/governance/credential.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export function adminKeys(n: number, prefix = 'admin'): GovernanceSigner[] {
  return Array.from({ length: n }, (_, i) => loadSigner(generateKey(`${prefix}${i + 1}`).skey));
}

export function genesis(origin: string, admins: GovernanceSigner[], quorum: number, time = T0): Record<string, unknown> {
  return {
    v: 1,
    kind: 'genesis',
    time: new Date(time).toISOString(),
    origin,
    logKey: generateKey('log').vkey,
    admins: admins.map((a) => ({ name: a.name, vkey: a.vkey })),
    quorum,
  };
}

export class GovLog {
  readonly machine = new PolicyMachine();
  readonly entries: Record<string, unknown>[] = [];
  now = T0;

  constructor(
    readonly origin: string,
    readonly admins: GovernanceSigner[],
    quorum: number,
  ) {
    this.add(genesis(origin, admins, quorum, this.now));
  }

  get policy() {
    return this.machine.policy;
  }

  /** Appends an entry (as JSON would carry it) and returns its index and the machine's events. */
  add(entry: object): { index: number; events: GovernanceEvent[] } {
    const e = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    const index = this.entries.length;
    this.entries.push(e);
    return { index, events: this.machine.apply(index, e) };
  }

  tick(ms: number): void {
    this.now += ms;
  }

  propose(signer: GovernanceSigner, changes: Change[], ttlMs?: number) {
    const entry = buildProposal({ origin: this.origin, epoch: this.policy.epoch, changes, now: this.now, ...(ttlMs ? { ttlMs } : {}) }, signer);
    return { entry, ...this.add(entry) };
  }

  approve(signer: GovernanceSigner, id: string) {
    return this.add(buildApproval(this.origin, id, signer, this.now));
  }

  /** Base for a change touching `item` now. */
  base(item: string): number | null {
    return this.policy.versions.get(item) ?? null;
  }

  addPerson(person: string, role = 'app_ro', vkey?: string): Change {
    const credential = commitment(`SCRAM-SHA-256$4096:c2FsdA==$${person}:x`);
    return { op: 'person.add', person, role, credential, ...(vkey ? { vkey } : {}), base: this.base(`person:${person}`) };
  }
}

export function rejectionOf(events: GovernanceEvent[]): string | undefined {
  for (const e of events) if (e.type === 'rejected') return e.rejection.reason;
  return undefined;
}

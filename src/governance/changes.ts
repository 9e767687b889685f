// The governed changes a proposal may carry (docs/governance.md "What is
// governed"). Each change touches exactly one item, and names the log index at
// which that item last changed (`base`): a change applies only if the item is
// still at that version, so a proposal overtaken by another one touching the
// same item can never be applied (compare-and-swap, as in optimistic locking).
import { z } from 'zod';
import { IlogError } from '../ledger/errors.js';
import { adminName, ageRecipient, base, hex64, logIndex, personName, reviewerName, upstreamRole, vkeyString } from './schema-parts.js';

export const changeSchema = z.discriminatedUnion('op', [
  // Persons of the capture proxy. `credential` is a commitment to a SCRAM
  // verifier (credential.ts), never the verifier or a password.
  z.object({ op: z.literal('person.add'), person: personName, role: upstreamRole, credential: hex64, vkey: vkeyString.optional(), base }).strict(),
  z.object({ op: z.literal('person.update'), person: personName, role: upstreamRole.optional(), vkey: z.union([vkeyString, z.null()]).optional(), base }).strict(),
  z.object({ op: z.literal('person.credential'), person: personName, credential: hex64, base }).strict(),
  z.object({ op: z.literal('person.remove'), person: personName, base }).strict(),
  // Purpose policy: every statement needs a purpose matching `pattern`, except for the exempt persons.
  z.object({ op: z.literal('purpose.set'), pattern: z.string().min(1).max(1000), exempt: z.array(personName).max(1000), base }).strict(),
  // Admin set and quorum (key rotation is a new set with the old key left out).
  z
    .object({
      op: z.literal('admins.set'),
      admins: z.array(z.object({ name: adminName, vkey: vkeyString }).strict()).min(1).max(64),
      quorum: z.number().int().min(1).max(64),
      base,
    })
    .strict(),
  // Placeholders other areas plug into: the entries and their replay exist here.
  z.object({ op: z.literal('witness.policy'), policy: z.string().min(1).max(16000), base }).strict(),
  z.object({ op: z.literal('logkey.rotate'), vkey: vkeyString, base }).strict(),
  z.object({ op: z.literal('alerts.routing'), config: z.record(z.string(), z.unknown()), base }).strict(),
  // A reviewer's public keys (`ilog reviewer keygen`): the Ed25519 key their reviews are signed
  // with and the age X25519 recipient alert bodies are encrypted to. Only the quorum names them,
  // so the log's write token cannot add a reviewer; a new entry for the same reviewer rotates.
  z.object({ op: z.literal('reviewer.key'), reviewer: reviewerName, vkey: vkeyString, recipient: ageRecipient, base }).strict(),
  // A schema migration of the log's store (docs/storage.md "Upgrades"): `ilog migrate` runs
  // only the step from `from` to `to` that an applied proposal names.
  z.object({ op: z.literal('storage.migrate'), store: z.enum(['sqlite', 'postgres']), from: z.number().int().min(1).max(1000), to: z.number().int().min(2).max(1000), base }).strict(),
  // The fail-open direction of emergency actions needs the quorum.
  z.object({ op: z.literal('lock.lift'), person: personName, base }).strict(),
  z.object({ op: z.literal('lockdown.lift'), base }).strict(),
  z.object({ op: z.literal('breakglass.ratify'), grant: logIndex, base }).strict(),
]);

export type Change = z.infer<typeof changeSchema>;
export type ChangeOp = Change['op'];
export const CHANGE_OPS = changeSchema.options.map((o) => o.shape.op.value) as ChangeOp[];

/** The item a change touches; the unit of supersession and of `ilog policy show` provenance. */
export function itemOf(c: Change): string {
  switch (c.op) {
    case 'person.add':
    case 'person.update':
    case 'person.credential':
    case 'person.remove':
      return `person:${c.person}`;
    case 'purpose.set':
      return 'purpose';
    case 'admins.set':
      return 'admins';
    case 'witness.policy':
      return 'witness-policy';
    case 'logkey.rotate':
      return 'log-key';
    case 'alerts.routing':
      return 'alert-routing';
    case 'reviewer.key':
      return `reviewer:${c.reviewer}`;
    case 'storage.migrate':
      return `storage:${c.store}`;
    case 'lock.lift':
      return `lock:${c.person}`;
    case 'lockdown.lift':
      return 'lockdown';
    case 'breakglass.ratify':
      return `breakglass:${c.grant}`;
  }
}

/**
 * Checks what the schema cannot: one change per item, a compilable purpose
 * pattern, a satisfiable quorum over distinct admins. Throws INVALID_CHANGE.
 */
export function checkChanges(changes: readonly Change[]): void {
  const seen = new Set<string>();
  for (const c of changes) {
    const item = itemOf(c);
    if (seen.has(item)) throw new IlogError('INVALID_CHANGE', `two changes touch ${item}; put them in separate proposals`, { item });
    seen.add(item);
    if (c.op === 'purpose.set') {
      try {
        new RegExp(c.pattern, 'u');
      } catch {
        throw new IlogError('INVALID_CHANGE', 'the purpose pattern is not a valid regular expression', { pattern: c.pattern });
      }
    }
    if (c.op === 'admins.set') {
      const names = new Set(c.admins.map((a) => a.name));
      const keys = new Set(c.admins.map((a) => a.vkey));
      if (names.size !== c.admins.length || keys.size !== c.admins.length) {
        throw new IlogError('INVALID_CHANGE', 'admin names and keys must be distinct', { admins: c.admins.map((a) => a.name) });
      }
      if (c.quorum > c.admins.length) {
        throw new IlogError('INVALID_CHANGE', `quorum ${c.quorum} exceeds the ${c.admins.length} admins`, { quorum: c.quorum });
      }
    }
    if (c.op === 'storage.migrate' && c.to <= c.from) {
      throw new IlogError('INVALID_CHANGE', `a migration goes to a newer schema: ${c.from} → ${c.to}`, { from: c.from, to: c.to });
    }
    if (c.op === 'person.update' && c.role === undefined && c.vkey === undefined) {
      throw new IlogError('INVALID_CHANGE', 'person.update changes nothing; give --role or --person-vkey', { person: c.person });
    }
  }
}

// From command-line words to a governed change: `ilog propose <op> [args]`
// where <op> is the change's own name (changes.ts), e.g.
//   person.add alice --role app_ro --password-stdin
//   admins.set --admin <vkey> --admin <vkey> --quorum 2
// The base of each change is read from the current policy, so a proposal made
// on a stale view of the log is superseded instead of silently overwriting.
import { readFileSync } from 'node:fs';
import { makeVerifier } from '../capture/pg/scram.js';
import { IlogError } from '../ledger/errors.js';
import { changeSchema, checkChanges, CHANGE_OPS, itemOf, type Change } from './changes.js';
import { commitment } from './credential.js';
import type { Policy } from './policy.js';
import { keyName } from './signing.js';

export interface ChangeOptions {
  role?: string;
  /** A SCRAM verifier made elsewhere (e.g. by the person), or… */
  verifier?: string;
  /** …a password, turned into a fresh verifier here. */
  password?: string;
  personVkey?: string;
  noPersonVkey?: boolean;
  pattern?: string;
  exempt?: string[];
  admin?: string[];
  quorum?: number;
}

export interface BuiltChange {
  change: Change;
  /** The verifier the change commits to, to deliver to the proxy store. */
  verifier?: string;
}

function usage(message: string, evidence?: Record<string, unknown>): IlogError {
  return new IlogError('USAGE', message, evidence);
}

function arg(args: string[], i: number, what: string): string {
  const v = args[i];
  if (v === undefined) throw usage(`missing ${what}`);
  return v;
}

function credential(o: ChangeOptions): { credential: string; verifier: string } {
  const verifier = o.verifier ?? (o.password !== undefined ? makeVerifier(o.password) : undefined);
  if (verifier === undefined) throw usage('a person needs a credential: --verifier <SCRAM verifier> or --password-stdin');
  return { credential: commitment(verifier), verifier };
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw usage(`cannot read JSON from ${file}: ${(e as Error).message}`, { file });
  }
}

/** Builds one change (validated) for `op` against the current `policy`. */
export function buildChange(op: string, args: string[], o: ChangeOptions, policy: Policy): BuiltChange {
  let raw: Record<string, unknown>;
  let verifier: string | undefined;
  switch (op) {
    case 'person.add': {
      const c = credential(o);
      verifier = c.verifier;
      raw = { person: arg(args, 0, '<person>'), role: o.role, credential: c.credential, ...(o.personVkey ? { vkey: o.personVkey } : {}) };
      break;
    }
    case 'person.update':
      raw = { person: arg(args, 0, '<person>'), ...(o.role ? { role: o.role } : {}), ...(o.noPersonVkey ? { vkey: null } : o.personVkey ? { vkey: o.personVkey } : {}) };
      break;
    case 'person.credential': {
      const c = credential(o);
      verifier = c.verifier;
      raw = { person: arg(args, 0, '<person>'), credential: c.credential };
      break;
    }
    case 'person.remove':
    case 'lock.lift':
      raw = { person: arg(args, 0, '<person>') };
      break;
    case 'purpose.set':
      raw = { pattern: o.pattern, exempt: o.exempt ?? [] };
      break;
    case 'admins.set': {
      const vkeys = o.admin ?? [];
      raw = { admins: vkeys.map((v) => ({ name: keyName(v), vkey: v })), quorum: o.quorum };
      break;
    }
    case 'witness.policy':
      raw = { policy: readFileSync(arg(args, 0, '<tlog-policy file>'), 'utf8') };
      break;
    case 'logkey.rotate':
      raw = { vkey: arg(args, 0, '<new log vkey>') };
      break;
    case 'alerts.routing':
      raw = { config: readJson(arg(args, 0, '<routing JSON file>')) };
      break;
    case 'reviewer.key': {
      // The public file `ilog reviewer keygen` writes beside the private one.
      const pub = readJson(arg(args, 1, '<reviewer public key file (.pub.json from ilog reviewer keygen)>'));
      raw = { reviewer: arg(args, 0, '<reviewer>'), vkey: pub.vkey, recipient: pub.recipient };
      break;
    }
    case 'storage.migrate':
      // The exact command is in the STORAGE_MIGRATION_REQUIRED error of `ilog serve` / `ilog migrate`.
      raw = { store: arg(args, 0, '<sqlite|postgres>'), from: Number(arg(args, 1, '<from version>')), to: Number(arg(args, 2, '<to version>')) };
      break;
    case 'lockdown.lift':
      raw = {};
      break;
    case 'breakglass.ratify': {
      const g = Number(arg(args, 0, '<grant index>'));
      raw = { grant: g };
      break;
    }
    default:
      throw usage(`unknown change "${op}"; one of: ${CHANGE_OPS.join(', ')}`, { op });
  }
  const parsed = changeSchema.safeParse({ op, ...raw, base: null });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usage(`${op}: ${issue?.path.join('.') || 'change'} ${issue?.message ?? 'is invalid'}`, { op });
  }
  const change = parsed.data;
  change.base = policy.versions.get(itemOf(change)) ?? null;
  checkChanges([change]);
  return verifier === undefined ? { change } : { change, verifier };
}

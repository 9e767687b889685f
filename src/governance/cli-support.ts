// Shared glue for the governance commands (src/cli/{propose,approve,policy,
// lockdown,breakglass,lock}.ts), loaded lazily when a command runs: loading the
// admin key, printing an Outcome the same way everywhere, and `ilog lock` /
// `ilog unlock` on a governed log.
import { IlogError } from '../ledger/errors.js';
import { act, assertAccepted, propose, type Outcome } from './actions.js';
import { buildChange } from './change-args.js';
import { defaultAdminKeyFile, findAdminSigner } from './admin-key.js';
import type { GovernanceSigner } from './signing.js';
import { targetOf, type TargetOptions } from './cli-options.js';

/** The admin key: --key, else the one `ilog init` left beside the data directory (admin-key.ts). */
export function signerOf(o: TargetOptions): GovernanceSigner {
  const signer = findAdminSigner(o.dir, o.key);
  if (!signer) throw new IlogError('USAGE', `--key <file> is required (no ${defaultAdminKeyFile(o.dir)} either)`, { file: defaultAdminKeyFile(o.dir) });
  return signer;
}

/** One line for humans; throws GOVERNANCE_REJECTED when the log refused the entry. */
export function describe(o: Outcome, what: string): string {
  assertAccepted(o);
  switch (o.status) {
    case 'applied':
      return `ilog: ${what} applied at entry ${o.index} (${o.approvals} of ${o.quorum} approvals)\nproposal ${o.id}`;
    case 'pending':
      return `ilog: ${what} logged at entry ${o.index}: ${o.approvals} of ${o.quorum} approvals so far\nproposal ${o.id}\nother admins approve with: ilog approve ${o.id} --key <their key>`;
    case 'in-force':
      return `ilog: ${what} in force from entry ${o.index}`;
    default:
      return `ilog: ${what} submitted at entry ${o.index}; the server will record its outcome`;
  }
}

/**
 * `ilog lock` / `ilog unlock` on a governed log: a lock is signed by the one
 * admin running it; an unlock becomes a `lock.lift` proposal for the quorum.
 * Returns the printed result (for src/cli/lock.ts).
 */
export async function governedLockCommand(verb: 'lock' | 'unlock', person: string, o: TargetOptions & { reason?: string }): Promise<{ data: Record<string, unknown>; text: string }> {
  const t = targetOf(o);
  const signer = signerOf(o);
  if (verb === 'lock') {
    if (!o.reason) throw new IlogError('USAGE', '--reason is required: say why the person is locked (it is logged)');
    const out = await act(t, signer, { kind: 'lock', person, reason: o.reason });
    return { data: { person, ...out }, text: describe(out, `lock of ${person}`) };
  }
  const out = await propose(t, signer, (p) => ({ changes: [buildChange('lock.lift', [person], {}, p).change], verifiers: [] }), o.reason ? { comment: o.reason } : {});
  return { data: { person, ...out }, text: describe(out, `lock.lift of ${person}`) };
}

// The demo's reviewer key: reviews are signed with the reviewer's own key
// (docs/alert.md "Signed reviews"), so the demo makes one for its reviewer in
// `<dir>/<name>.reviewer` (0600) and registers its public half with the admin
// key beside the directory, as `ilog reviewer keygen` + `ilog propose
// reviewer.key` would. Idempotent: an existing key file is kept.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatReviewerKey, generateReviewerKey } from '../../alert/reviewer-key.js';
import { assertAccepted, propose } from '../../governance/actions.js';
import { defaultAdminKeyFile, findAdminSigner } from '../../governance/admin-key.js';
import { isGoverned } from '../../governance/genesis.js';
import { IlogError } from '../../ledger/errors.js';
import { writeFileDurable } from '../../storage/durable-file.js';

/** The reviewer's key file, made and registered on first use; undefined on an ungoverned (old) demo log. */
export async function ensureReviewerKey(dir: string, reviewer: string): Promise<string | undefined> {
  const file = join(dir, `${reviewer}.reviewer`);
  if (existsSync(file)) return file;
  if (!isGoverned(dir)) return undefined;
  const signer = findAdminSigner(dir);
  if (!signer) throw new IlogError('USAGE', `the demo's admin key ${defaultAdminKeyFile(dir)} is missing; start afresh with another --dir`, { file: defaultAdminKeyFile(dir) });
  const k = await generateReviewerKey(reviewer);
  assertAccepted(
    await propose({ dir }, signer, (p) => ({
      changes: [{ op: 'reviewer.key', reviewer, vkey: k.vkey, recipient: k.recipient, base: p.versions.get(`reviewer:${reviewer}`) ?? null }],
      verifiers: [],
    })),
  );
  writeFileDurable(file, formatReviewerKey(k), { mode: 0o600 }); // after the log accepted it: a file means a registered key
  return file;
}

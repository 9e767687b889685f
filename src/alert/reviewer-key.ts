// A reviewer's key pair (`ilog reviewer keygen`): an Ed25519 signed-note key
// that signs their reviews (review.ts) and an age X25519 identity that opens
// the alert bodies encrypted to their group. Both private halves live in one
// 0600 file on the reviewer's machine (or are imported into the console page);
// only the public halves — the `.pub.json` file — go to the admins, who
// register them in the log with a quorum-signed `reviewer.key` change.
import { readFileSync } from 'node:fs';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { IlogError } from '../ledger/errors.js';
import { generateKey } from '../ledger/note.js';
import { loadSigner, type GovernanceSigner } from '../governance/signing.js';

export interface ReviewerPublic {
  reviewer: string;
  /** Signed-note verifier key of the review-signing key. */
  vkey: string;
  /** age X25519 recipient (`age1…`). */
  recipient: string;
}

export interface ReviewerKeyPair extends ReviewerPublic {
  /** `PRIVATE+KEY+…` signed-note private key. */
  skey: string;
  /** `AGE-SECRET-KEY-1…` identity. */
  identity: string;
}

export async function generateReviewerKey(reviewer: string): Promise<ReviewerKeyPair> {
  const { skey, vkey } = generateKey(reviewer);
  const identity = await generateX25519Identity();
  return { reviewer, skey, vkey, identity, recipient: await identityToRecipient(identity) };
}

/** The private key file: three lines, a comment naming the reviewer, the signing key, the age identity. */
export function formatReviewerKey(k: ReviewerKeyPair): string {
  return `# ilog reviewer key for ${k.reviewer} (keep private; register the .pub.json)\n${k.skey}\n${k.identity}\n`;
}

export interface LoadedReviewerKey {
  reviewer: string;
  signer: GovernanceSigner;
  identity: string;
}

/** Parses a reviewer key file; BAD_SKEY when it is not one. */
export function parseReviewerKey(text: string): LoadedReviewerKey {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const skey = lines.find((l) => l.startsWith('PRIVATE+KEY+'));
  const identity = lines.find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  if (!skey || !identity) throw new IlogError('BAD_SKEY', 'not a reviewer key file: it needs a PRIVATE+KEY+ line and an AGE-SECRET-KEY-1 line (make one with `ilog reviewer keygen`)');
  const signer = loadSigner(skey);
  return { reviewer: signer.name, signer, identity };
}

export function readReviewerKey(file: string): LoadedReviewerKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new IlogError('CONFIG_MISSING', `cannot read reviewer key file ${file}; make one with \`ilog reviewer keygen\``, { file }, { cause: e });
  }
  return parseReviewerKey(text);
}

// Signatures over governance bodies. A body (a proposal, a lock, a lockdown, a
// break-glass request) is identified by the SHA-256 of its RFC 8785 canonical
// form; signers never sign the JSON itself but the short statement
//
//   ilog-governance/v1\n<origin>\n<id>\n
//
// so that an approval names both the log (no replay into another log) and the
// exact body (no replay onto another proposal), and the same signature form
// serves a proposer, an approver and a one-signature emergency action alike.
// Keys are C2SP signed-note v1.0.0 Ed25519 keys (src/ledger/note.ts).
// Reviewers sign their reviews the same way under another domain
// (`ilog-review/v1`), so no signature made for one purpose verifies for the other.
import canonicalize from 'canonicalize';
import { IlogError } from '../ledger/errors.js';
import { sha256Bytes } from '../ledger/hash.js';
import { toHex, utf8 } from '../ledger/bytes.js';
import { signerFromKey, verifierFromKey, type Signer, type Verifier } from '../ledger/note.js';
import { verifierKeyFor } from '../ledger/keys.js';

/** One signature as it appears in an entry: the signer's vkey and a base64 Ed25519 signature. */
export interface Signature {
  signer: string;
  sig: string;
}

/** RFC 8785 canonical bytes of a JSON value. */
export function canonicalBytes(value: unknown): Uint8Array {
  const text = canonicalize(value);
  if (text === undefined) throw new IlogError('INVALID_ENTRY', 'value has no canonical JSON form');
  return utf8.encode(text);
}

/** Hex SHA-256 of the canonical form: the identity of a proposal or action. */
export function bodyId(body: unknown): string {
  return toHex(sha256Bytes(canonicalBytes(body)));
}

export const GOVERNANCE_DOMAIN = 'ilog-governance/v1';

/** The statement a signature covers: `<domain>\n<origin>\n<id>\n` (governance by default). */
export function signedStatement(origin: string, id: string, domain = GOVERNANCE_DOMAIN): Uint8Array {
  return utf8.encode(`${domain}\n${origin}\n${id}\n`);
}

/** An admin (or person) key loaded from its private signed-note form. */
export interface GovernanceSigner {
  vkey: string;
  name: string;
  signer: Signer;
}

/** Loads a `PRIVATE+KEY+…` signed-note key (the file `ilog keygen` writes); its vkey travels in entries. */
export function loadSigner(skey: string): GovernanceSigner {
  const signer = signerFromKey(skey.trim());
  return { vkey: verifierKeyFor(skey.trim()), name: signer.name, signer };
}

export function sign(s: GovernanceSigner, origin: string, id: string, domain = GOVERNANCE_DOMAIN): Signature {
  return { signer: s.vkey, sig: Buffer.from(s.signer.sign(signedStatement(origin, id, domain))).toString('base64') };
}

// Replay checks thousands of signatures by a handful of keys: parse each key once.
const verifiers = new Map<string, Verifier | null>();
function cachedVerifier(vkey: string): Verifier | null {
  let v = verifiers.get(vkey);
  if (v === undefined) {
    try {
      v = verifierFromKey(vkey);
    } catch {
      v = null;
    }
    if (verifiers.size > 10_000) verifiers.clear();
    verifiers.set(vkey, v);
  }
  return v;
}

/** True when `sig` is a valid signature by `sig.signer` over (origin, id) in `domain`. Never throws. */
export function verifySignature(sig: Signature, origin: string, id: string, domain = GOVERNANCE_DOMAIN): boolean {
  const v = cachedVerifier(sig.signer);
  if (!v) return false;
  const raw = Buffer.from(sig.sig, 'base64');
  if (raw.length !== 64 || raw.toString('base64') !== sig.sig) return false;
  return v.verify(signedStatement(origin, id, domain), new Uint8Array(raw));
}

/** The key name embedded in a vkey (`name+hash+b64`), or the vkey itself if malformed. */
export function keyName(vkey: string): string {
  const plus = vkey.indexOf('+');
  return plus > 0 ? vkey.slice(0, plus) : vkey;
}

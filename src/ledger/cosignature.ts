// C2SP tlog-cosignature v1.0.1: a witness's note signature (type 0x04) on a
// checkpoint. Key ID = SHA-256(name || 0x0A || 0x04 || pubkey)[:4]; the signature
// is the 72-byte timestamped_signature (u64 big-endian POSIX seconds || Ed25519
// signature) over "cosignature/v1\ntime <t>\n" || checkpoint note text.

import { concatBytes, utf8 } from './bytes.js';
import { IlogError } from './errors.js';
import {
  ed25519Sign, ed25519Verifier, formatVerifierKey, generateKeyPair, keyId, parseSignerKey, parseVerifierKey, SIG_TYPE_COSIGNATURE,
} from './keys.js';
import type { Signer, Verifier } from './note.js';

const MAX_TIMESTAMP = 2n ** 63n - 1n;
export const COSIGNATURE_SIZE = 8 + 64;

export function cosignatureMessage(checkpointText: string | Uint8Array, timestamp: number): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new IlogError('BAD_COSIGNATURE', 'timestamp must be a non-negative integer', { timestamp });
  // Byte-exact: the signed checkpoint bytes follow the header unchanged.
  const body = typeof checkpointText === 'string' ? utf8.encode(checkpointText) : checkpointText;
  return concatBytes(utf8.encode(`cosignature/v1\ntime ${timestamp}\n`), body);
}

/** The timestamp (POSIX seconds) of a 72-byte cosignature, or a BAD_COSIGNATURE error. */
export function cosignatureTimestamp(sig: Uint8Array): number {
  if (sig.byteLength !== COSIGNATURE_SIZE) throw new IlogError('BAD_COSIGNATURE', 'a cosignature is 72 bytes', { length: sig.byteLength });
  const t = Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0);
  if (t > MAX_TIMESTAMP || t > BigInt(Number.MAX_SAFE_INTEGER)) throw new IlogError('BAD_COSIGNATURE', 'cosignature timestamp is out of range', { timestamp: t.toString() });
  return Number(t);
}

export interface CosignerOptions {
  /** Clock in POSIX seconds (injectable for tests). */
  now?: () => number;
}

/**
 * Cosigner from a `PRIVATE+KEY+…` key. A type 0x04 key is used as is; an Ed25519
 * (0x01) key's seed is reused with the 0x04 key ID, as the spec allows.
 */
export function cosignerFromKey(skey: string, opts: CosignerOptions = {}): Signer {
  const k = parseSignerKey(skey);
  const now = opts.now ?? ((): number => Math.floor(Date.now() / 1000));
  return {
    name: k.name,
    keyId: keyId(k.name, SIG_TYPE_COSIGNATURE, k.publicKey),
    sign(msg: Uint8Array): Uint8Array {
      const t = now();
      const sig = ed25519Sign(k.privateKey, cosignatureMessage(msg, t));
      const out = new Uint8Array(COSIGNATURE_SIZE);
      Buffer.from(out.buffer).writeBigUInt64BE(BigInt(t), 0);
      out.set(sig, 8);
      return out;
    },
  };
}

/** The type 0x04 vkey of a cosigner key. */
export function cosignerVerifierKey(skey: string): string {
  const k = parseSignerKey(skey);
  return formatVerifierKey(k.name, SIG_TYPE_COSIGNATURE, k.publicKey);
}

/** A fresh cosigner key pair (type 0x04). */
export function generateCosignerKey(name: string): { skey: string; vkey: string } {
  return generateKeyPair(name, SIG_TYPE_COSIGNATURE);
}

/** Verifier for a type 0x04 vkey; `verify(checkpointText, 72-byte sig)`. */
export function cosignatureVerifier(vkey: string): Verifier {
  const k = parseVerifierKey(vkey, [SIG_TYPE_COSIGNATURE]);
  const ed = ed25519Verifier(k.publicKey);
  return {
    name: k.name,
    keyId: k.keyId,
    verify(msg: Uint8Array, sig: Uint8Array): boolean {
      let t: number;
      try {
        t = cosignatureTimestamp(sig);
      } catch {
        return false;
      }
      return ed(cosignatureMessage(msg, t), sig.subarray(8));
    },
  };
}

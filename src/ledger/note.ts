// C2SP signed-note v1.0.0: text ending in "\n", a blank line, then one or more
// lines "— <name> base64(keyID || signature)\n". Parsing follows
// golang.org/x/mod/sumdb/note (Open): valid UTF-8, no control characters but
// newline, the text ends at the LAST blank line, signatures from unknown keys are
// ignored, repeated signatures by one key count once, a failing signature from a
// known key rejects the whole note, and at least one must verify.

import { decodeUtf8, isWellFormed, toBase64, utf8 } from './bytes.js';
import { IlogError, type ErrorCode } from './errors.js';
import {
  ed25519Sign, ed25519Verifier, generateKeyPair, isValidKeyName, keyIdHex, parseSignerKey, parseVerifierKey, SIG_TYPE_ED25519,
} from './keys.js';

export interface Signer {
  name: string;
  keyId: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
}

export interface Verifier {
  name: string;
  keyId: Uint8Array;
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  /** Signature bytes after the 4-byte key ID. */
  signature: Uint8Array;
  /** The whole line including "— " and the final newline, for re-assembling notes. */
  line: string;
}

export interface OpenedNote {
  text: string;
  verified: NoteSignature[];
  unverified: NoteSignature[];
}

/** Generous for notes that carry many witness cosignatures; the spec requires accepting ≥ 16 signatures. */
export const MAX_NOTE_SIZE = 1 << 20;
export const MAX_NOTE_SIGNATURES = 100;
const SIG_PREFIX = '\u2014 ';

/** Ed25519 (type 0x01) signer from a `PRIVATE+KEY+…` string. */
export function signerFromKey(skey: string): Signer {
  const k = parseSignerKey(skey, [SIG_TYPE_ED25519]);
  return { name: k.name, keyId: k.keyId, sign: (msg) => ed25519Sign(k.privateKey, msg) };
}

/** Ed25519 (type 0x01) verifier from a vkey. Cosigner (0x04) vkeys: use cosignatureVerifier. */
export function verifierFromKey(vkey: string): Verifier {
  const k = parseVerifierKey(vkey, [SIG_TYPE_ED25519]);
  return { name: k.name, keyId: k.keyId, verify: ed25519Verifier(k.publicKey) };
}

/** A fresh Ed25519 note key pair. */
export function generateKey(name: string): { skey: string; vkey: string } {
  return generateKeyPair(name, SIG_TYPE_ED25519);
}

function checkNoteChars(s: string, code: ErrorCode): void {
  // Control characters other than "\n" are forbidden anywhere in a note.
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s)) throw new IlogError(code, 'note contains a control character other than newline');
  if (!isWellFormed(s)) throw new IlogError(code, 'note is not valid UTF-8');
}

/** One signature line for `text` by `signer`. */
export function signatureLine(text: string, signer: Signer): string {
  const sig = signer.sign(utf8.encode(text));
  const blob = new Uint8Array(4 + sig.byteLength);
  blob.set(signer.keyId, 0);
  blob.set(sig, 4);
  return `${SIG_PREFIX}${signer.name} ${toBase64(blob)}\n`;
}

/** Sign `text` (non-empty, ending in "\n") with every signer, in order. */
export function signNote(text: string, ...signers: Signer[]): string {
  if (text === '' || !text.endsWith('\n')) throw new IlogError('BAD_NOTE', 'note text must be non-empty and end with a newline');
  checkNoteChars(text, 'BAD_NOTE');
  if (signers.length === 0) throw new IlogError('BAD_NOTE', 'a note needs at least one signature');
  return `${text}\n${signers.map((s) => signatureLine(text, s)).join('')}`;
}

/** Split a note into text and signature lines without verifying anything (attacker-controlled input). */
export function parseNote(note: string | Uint8Array): { text: string; signatures: NoteSignature[] } {
  const size = typeof note === 'string' ? Buffer.byteLength(note) : note.byteLength;
  if (size > MAX_NOTE_SIZE) throw new IlogError('BAD_NOTE', 'note is too large', { size, max: MAX_NOTE_SIZE });
  const msg = typeof note === 'string' ? note : decodeUtf8(note, 'BAD_NOTE');
  checkNoteChars(msg, 'BAD_NOTE');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw new IlogError('BAD_NOTE', 'note has no blank line before its signatures');
  const text = msg.slice(0, split + 1);
  const sigBlock = msg.slice(split + 2);
  if (sigBlock === '' || !sigBlock.endsWith('\n')) throw new IlogError('BAD_NOTE', 'note must end with signature lines, each ending in a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new IlogError('BAD_NOTE', 'note has too many signatures', { count: lines.length });
  const signatures = lines.map((line, i) => {
    const m = /^\u2014 ([^ ]+) ([A-Za-z0-9+/=]+)$/u.exec(line);
    if (!m) throw new IlogError('BAD_NOTE', 'malformed signature line', { line: i });
    const [, name, b64] = m as unknown as [string, string, string];
    if (!isValidKeyName(name)) throw new IlogError('BAD_NOTE', 'signature key name is invalid', { line: i });
    let blob: Uint8Array;
    try {
      blob = new Uint8Array(Buffer.from(b64, 'base64'));
    } catch {
      throw new IlogError('BAD_NOTE', 'signature is not base64', { line: i });
    }
    if (toBase64(blob) !== b64 || blob.byteLength < 5) throw new IlogError('BAD_NOTE', 'signature is not canonical base64 of key ID and signature', { line: i });
    return { name, keyId: blob.subarray(0, 4), signature: blob.subarray(4), line: `${line}\n` };
  });
  return { text, signatures };
}

/**
 * Verify a note against known verifiers. Throws BAD_NOTE (malformed),
 * BAD_SIGNATURE (a known key's signature fails), NOTE_UNVERIFIED (no known key signed it).
 */
export function openNote(note: string | Uint8Array, verifiers: readonly Verifier[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const msg = utf8.encode(text);
  const known = new Map(verifiers.map((v) => [`${v.name} ${keyIdHex(v.keyId)}`, v]));
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const sig of signatures) {
    const id = `${sig.name} ${keyIdHex(sig.keyId)}`;
    const v = known.get(id);
    if (seen.has(v ? id : sig.line)) continue; // repeated signatures count once
    seen.add(v ? id : sig.line);
    if (!v) {
      unverified.push(sig);
      continue;
    }
    if (!v.verify(msg, sig.signature)) {
      throw new IlogError('BAD_SIGNATURE', 'a signature by a trusted key does not verify: the note was altered or forged', { name: sig.name, keyId: keyIdHex(sig.keyId) });
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    throw new IlogError('NOTE_UNVERIFIED', 'no trusted key signed this note; check the verifier keys', {
      signers: signatures.map((s) => `${s.name}+${keyIdHex(s.keyId)}`),
    });
  }
  return { text, verified, unverified };
}

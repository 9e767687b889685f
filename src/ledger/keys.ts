// Key encodings of C2SP signed-note v1.0.0 and golang.org/x/mod/sumdb/note:
//   vkey  = <name>+<hex8 key ID>+base64(type || public key)
//   skey  = PRIVATE+KEY+<name>+<hex8 key ID>+base64(type || 32-byte Ed25519 seed)
//   key ID = SHA-256(name || 0x0A || type || public key)[:4]
// Ed25519 goes through node:crypto KeyObjects built from the raw seed / public key
// with fixed PKCS8 / SPKI DER prefixes (RFC 8410).

import * as crypto from 'node:crypto';
import { fromBase64, isWellFormed, toBase64, utf8 } from './bytes.js';
import { IlogError, type ErrorCode } from './errors.js';
import { sha256Bytes } from './hash.js';

export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE = 0x04;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_KEY_STRING = 1024;

/**
 * signed-note: names are non-empty, valid UTF-8, with no Unicode spaces (Go's
 * unicode.IsSpace: JS \s plus U+0085) and no '+'; control characters are never valid in notes.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085\u0000-\u001f]/u.test(name) && isWellFormed(name);
}

export function keyId(name: string, type: number, publicKey: Uint8Array): Uint8Array {
  const n = utf8.encode(name);
  const buf = new Uint8Array(n.byteLength + 2 + publicKey.byteLength);
  buf.set(n, 0);
  buf[n.byteLength] = 0x0a;
  buf[n.byteLength + 1] = type;
  buf.set(publicKey, n.byteLength + 2);
  return sha256Bytes(buf).subarray(0, 4);
}

export function keyIdHex(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}

export interface PublicKeyInfo {
  name: string;
  keyId: Uint8Array;
  type: number;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

export interface PrivateKeyInfo extends PublicKeyInfo {
  seed: Uint8Array;
  privateKey: crypto.KeyObject;
}

function ed25519PublicKeyObject(raw: Uint8Array): crypto.KeyObject {
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function ed25519PrivateKeyObject(seed: Uint8Array): crypto.KeyObject {
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublicKey(priv: crypto.KeyObject): Uint8Array {
  return new Uint8Array(crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length));
}

/** Split `a+b+rest` at the first `count` pluses (base64 may itself contain '+'). */
function chop(s: string, count: number): string[] {
  const parts: string[] = [];
  let rest = s;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return [];
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

function parseKeyBody(name: string, hex: string, b64: string, code: ErrorCode): { keyId: Uint8Array; type: number; material: Uint8Array } {
  if (!isValidKeyName(name)) throw new IlogError(code, 'key name must be non-empty with no spaces or "+"', { name: name.slice(0, 100) });
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new IlogError(code, 'key ID must be 8 hex digits', { name });
  const raw = fromBase64(b64, code);
  if (raw.byteLength < 2) throw new IlogError(code, 'key material is empty', { name });
  return { keyId: new Uint8Array(Buffer.from(hex, 'hex')), type: raw[0] as number, material: raw.subarray(1) };
}

function checkType(type: number, allowed: readonly number[], code: ErrorCode, name: string): void {
  if (!allowed.includes(type)) throw new IlogError('UNSUPPORTED_KEY_TYPE', `key type 0x${type.toString(16).padStart(2, '0')} is not supported here`, { name, type, allowed, code });
}

/** Parse a vkey of one of the `allowed` signature types (Ed25519 material). */
export function parseVerifierKey(vkey: string, allowed: readonly number[] = [SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE]): PublicKeyInfo {
  if (vkey.length > MAX_KEY_STRING) throw new IlogError('BAD_VKEY', 'verifier key is too long');
  const parts = chop(vkey.trim(), 2);
  if (parts.length !== 3) throw new IlogError('BAD_VKEY', 'a verifier key is name+keyid+base64');
  const [name, hex, b64] = parts as [string, string, string];
  const { keyId: id, type, material } = parseKeyBody(name, hex, b64, 'BAD_VKEY');
  checkType(type, allowed, 'BAD_VKEY', name);
  if (material.byteLength !== 32) throw new IlogError('BAD_VKEY', 'Ed25519 public keys are 32 bytes', { name, length: material.byteLength });
  if (keyIdHex(keyId(name, type, material)) !== keyIdHex(id)) throw new IlogError('BAD_VKEY', 'key ID does not match name and key', { name });
  return { name, keyId: id, type, publicKey: new Uint8Array(material) };
}

/** Parse a `PRIVATE+KEY+…` signer key (sumdb/note format), checking the key ID against the derived public key. */
export function parseSignerKey(skey: string, allowed: readonly number[] = [SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE]): PrivateKeyInfo {
  if (skey.length > MAX_KEY_STRING) throw new IlogError('BAD_SKEY', 'signer key is too long');
  const parts = chop(skey.trim(), 4);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new IlogError('BAD_SKEY', 'a signer key is PRIVATE+KEY+name+keyid+base64');
  const [, , name, hex, b64] = parts as [string, string, string, string, string];
  const { keyId: id, type, material } = parseKeyBody(name, hex, b64, 'BAD_SKEY');
  checkType(type, allowed, 'BAD_SKEY', name);
  if (material.byteLength !== 32) throw new IlogError('BAD_SKEY', 'Ed25519 seeds are 32 bytes', { name, length: material.byteLength });
  const privateKey = ed25519PrivateKeyObject(material);
  const publicKey = rawPublicKey(privateKey);
  if (keyIdHex(keyId(name, type, publicKey)) !== keyIdHex(id)) throw new IlogError('BAD_SKEY', 'key ID does not match name and key', { name });
  return { name, keyId: id, type, publicKey, seed: new Uint8Array(material), privateKey };
}

export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  const material = new Uint8Array(1 + publicKey.byteLength);
  material[0] = type;
  material.set(publicKey, 1);
  return `${name}+${keyIdHex(keyId(name, type, publicKey))}+${toBase64(material)}`;
}

export function formatSignerKey(name: string, type: number, seed: Uint8Array): string {
  const publicKey = rawPublicKey(ed25519PrivateKeyObject(seed));
  const material = new Uint8Array(33);
  material[0] = type;
  material.set(seed, 1);
  return `PRIVATE+KEY+${name}+${keyIdHex(keyId(name, type, publicKey))}+${toBase64(material)}`;
}

/** A fresh Ed25519 key pair as (skey, vkey) strings. */
export function generateKeyPair(name: string, type: number = SIG_TYPE_ED25519): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw new IlogError('BAD_KEY_NAME', 'key name must be non-empty with no spaces or "+"', { name });
  const seed = crypto.randomBytes(32);
  const publicKey = rawPublicKey(ed25519PrivateKeyObject(seed));
  return { skey: formatSignerKey(name, type, seed), vkey: formatVerifierKey(name, type, publicKey) };
}

/** The vkey matching an skey. */
export function verifierKeyFor(skey: string): string {
  const k = parseSignerKey(skey);
  return formatVerifierKey(k.name, k.type, k.publicKey);
}

export function ed25519Sign(priv: crypto.KeyObject, msg: Uint8Array): Uint8Array {
  return new Uint8Array(crypto.sign(null, msg, priv));
}

/** Verifier closure over a raw Ed25519 public key (the KeyObject is built once). */
export function ed25519Verifier(publicKey: Uint8Array): (msg: Uint8Array, sig: Uint8Array) => boolean {
  const key = ed25519PublicKeyObject(publicKey);
  return (msg, sig) => {
    if (sig.byteLength !== 64) return false;
    try {
      return crypto.verify(null, msg, key, sig);
    } catch {
      return false;
    }
  };
}

// Browser-side cryptography for the console (docs/console.md), WebCrypto only:
// reviewer key files (C2SP signed-note Ed25519 `PRIVATE+KEY+…` keys), signatures
// under ilog's `<domain>\n<origin>\n<id>\n` statements (src/governance/signing.ts),
// RFC 8785 canonical JSON for review ids, C2SP signed-note checkpoints, and
// RFC 9162 inclusion proofs (section 2.1.3.2). The private key never leaves
// this page: it is imported as a non-extractable CryptoKey.
const enc = new TextEncoder();

export function fromBase64(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function toBase64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** Splits `s` at its first `n` plus signs (base64 may hold more). */
function chop(s, n) {
  const out = [];
  let rest = s;
  for (let i = 0; i < n; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return out;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
};

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410).
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** Parses a reviewer key file (`ilog reviewer keygen`): the reviewer's name, a signing CryptoKey, the age identity. */
export async function loadReviewerKey(text) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const skey = lines.find((l) => l.startsWith('PRIVATE+KEY+'));
  const identity = lines.find((l) => l.startsWith('AGE-SECRET-KEY-1'));
  if (!skey || !identity) throw new Error('not a reviewer key file: it needs a PRIVATE+KEY+ line and an AGE-SECRET-KEY-1 line (ilog reviewer keygen)');
  const parts = chop(skey, 4);
  if (parts.length !== 5) throw new Error('the PRIVATE+KEY line is malformed');
  const material = fromBase64(parts[4]);
  if (material.length !== 33 || material[0] !== 1) throw new Error('the signing key is not an Ed25519 note key');
  const key = await crypto.subtle.importKey('pkcs8', concat(PKCS8_ED25519, material.slice(1)), { name: 'Ed25519' }, false, ['sign']);
  return { reviewer: parts[2], key, identity };
}

/** Base64 Ed25519 signature over `<domain>\n<origin>\n<id>\n`. */
export async function signStatement(key, domain, origin, id) {
  const sig = await crypto.subtle.sign({ name: 'Ed25519' }, key, enc.encode(`${domain}\n${origin}\n${id}\n`));
  return toBase64(new Uint8Array(sig));
}

/** RFC 8785 canonical JSON for the values reviews hold (strings, safe integers, objects, arrays). */
export function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    // RFC 8785 sorts keys by UTF-16 code units: what Array.prototype.sort does on strings.
    return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error('only integers are signed here');
  return JSON.stringify(v);
}

/** The id a review signature covers (src/alert/review.ts reviewId): SHA-256 of the entry with `v`, without its signature. */
export async function reviewId(entry) {
  return toHex(await sha256(enc.encode(canonical({ v: 1, ...entry }))));
}

/** Verifies a C2SP signed note against a vkey `name+hash+base64(0x01‖pub)`; returns the checkpoint {origin, size, root}. */
export async function verifyCheckpoint(note, vkey) {
  const [name, hash, b64] = chop(vkey, 2);
  const material = fromBase64(b64);
  if (material.length !== 33 || material[0] !== 1) throw new Error('the log key is not an Ed25519 note key');
  const pub = material.slice(1);
  const keyId = (await sha256(concat(enc.encode(`${name}\n`), material))).slice(0, 4);
  if (toHex(keyId) !== hash) throw new Error('the log key hash does not match its name and key');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('the checkpoint is not a signed note');
  const text = note.slice(0, split + 1);
  const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  let ok = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const blob = fromBase64(m[2]);
    if (blob.length !== 68 || toHex(blob.slice(0, 4)) !== hash) continue;
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, blob.slice(4), enc.encode(text)))) throw new Error('the log key signature on the checkpoint is invalid');
    ok = true;
  }
  if (!ok) throw new Error('the checkpoint carries no signature by the log key');
  const [origin, size, root] = text.split('\n');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size ?? '')) throw new Error('the checkpoint size is malformed');
  return { origin, size: Number(size), root: fromBase64(root ?? '') };
}

/** RFC 9162 2.1.3.2: whether `proof` leads from entry `index` to `root` of a tree of `size`. */
export async function verifyInclusion(entryBytes, index, size, proof, root) {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = await sha256(concat(Uint8Array.of(0), entryBytes));
  for (const p of proof) {
    if (sn === 0 || p.length !== 32) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat(Uint8Array.of(1), p, r));
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await sha256(concat(Uint8Array.of(1), r, p));
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && toHex(r) === toHex(root);
}

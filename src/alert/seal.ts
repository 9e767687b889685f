// Confidential alert bodies (docs/alert.md "Who can read what"). An alert's
// subject, the others it concerns, its rule, score, reasons, cited entries
// (evidence), finding id and recipients are encrypted with age (C2SP age v1,
// X25519 recipients; the `age-encryption` package) to the routed reviewers'
// registered recipients and to the server's own alert key. age does not hide
// length, so the JSON is padded to a fixed bucket first. What stays public is
// what replay needs: severity (two-person close), group and route, and keyed
// tags (HMAC-SHA256 under the data directory's hmac.key) of the subject, the
// concerned and the recipients, so the server can refuse self-review without
// the log saying who.
import { createHmac } from 'node:crypto';
import { Decrypter, Encrypter } from 'age-encryption';
import { IlogError } from '../ledger/errors.js';

/** Plaintext sizes (bytes) a body is padded to; the base64 of the largest stays under the 65,535-byte entry limit. */
export const SEAL_BUCKETS = [1024, 4096, 16_384, 32_768] as const;

/** What is sealed: everything about an alert that names or describes people. */
export interface SealedBody {
  finding: string;
  rule: string;
  subject: string;
  alsoConcerns: string[];
  score: number;
  reasons: string[];
  entries: number[];
  recipients: string[];
  about?: number;
}

const TAG_DOMAIN = 'ilog-alert-tag/v1\0';

/** The public keyed tag of a name (person, reviewer, finding id): equal names, equal tags; nobody without the key can test a guess. */
export function alertTag(key: Uint8Array, value: string): string {
  return createHmac('sha256', key).update(TAG_DOMAIN + value.trim().toLowerCase()).digest('hex').slice(0, 32);
}

/** The smallest bucket that holds `n` bytes plus the padding marker, or undefined when none does. */
function bucketFor(n: number): number | undefined {
  return SEAL_BUCKETS.find((b) => n + 1 <= b);
}

/** JSON, then 0x0a, then zero bytes up to the bucket (JSON never contains a raw newline, so the first one ends it). */
export function pad(body: SealedBody): Uint8Array {
  let b = body;
  let json = Buffer.from(JSON.stringify(b));
  // Oversized: drop reasons from the end until it fits (the first reason is the one that matters).
  while (bucketFor(json.length) === undefined && b.reasons.length > 1) {
    b = { ...b, reasons: b.reasons.slice(0, -1) };
    json = Buffer.from(JSON.stringify(b));
  }
  const size = bucketFor(json.length);
  if (size === undefined) throw new IlogError('ENTRY_TOO_LARGE', 'an alert body does not fit the largest seal bucket', { length: json.length });
  const out = new Uint8Array(size);
  out.set(json);
  out[json.length] = 0x0a;
  return out;
}

export function unpad(bytes: Uint8Array): SealedBody {
  const end = bytes.indexOf(0x0a);
  if (end < 0) throw new IlogError('INVALID_ENTRY', 'a sealed alert body has no end marker');
  return JSON.parse(Buffer.from(bytes.subarray(0, end)).toString('utf8')) as SealedBody;
}

/** base64 of the age file encrypting the padded body to every recipient (age1…). */
export async function seal(body: SealedBody, recipients: readonly string[]): Promise<string> {
  if (recipients.length === 0) throw new IlogError('BAD_CONFIG', 'an alert body needs at least one age recipient (the server key)');
  const e = new Encrypter();
  for (const r of new Set(recipients)) e.addRecipient(r);
  return Buffer.from(await e.encrypt(pad(body))).toString('base64');
}

/** Opens a sealed body with any of `identities` (AGE-SECRET-KEY-1…); undefined when none of them is a recipient. */
export async function unseal(sealed: string, identities: readonly string[]): Promise<SealedBody | undefined> {
  const d = new Decrypter();
  for (const i of identities) d.addIdentity(i);
  try {
    return unpad(await d.decrypt(Buffer.from(sealed, 'base64')));
  } catch {
    return undefined;
  }
}

/**
 * The fields of a sealed alert.raised (what AlertService appends): the body sealed to the
 * server's key and the given recipients (age1…), the people only as keyed tags, the
 * finding id as its tag. Nothing that names or describes a person stays in clear.
 */
export async function sealedFields(body: SealedBody, keys: { recipient: string; tagKey: Uint8Array }, recipients: readonly string[]): Promise<Record<string, unknown>> {
  const tag = (v: string) => alertTag(keys.tagKey, v);
  return { finding: tag(body.finding), sealed: await seal(body, [keys.recipient, ...recipients]), subjectTag: tag(body.subject), concernTags: body.alsoConcerns.map(tag), recipientTags: body.recipients.map(tag) };
}

/**
 * A sealed alert.raised as its clear form, if `keys` open it and the public
 * tags match its body; anything else is returned as it is. A body that does not
 * match its tags (replayed from another alert) is not believed.
 */
export async function openRaised(e: Record<string, unknown>, keys: { identity: string; tagKey: Uint8Array }): Promise<Record<string, unknown>> {
  if (e.kind !== 'alert.raised' || typeof e.sealed !== 'string') return e;
  const body = await unseal(e.sealed, [keys.identity]);
  if (!body) return e;
  const tag = (v: string) => alertTag(keys.tagKey, v);
  const same = (a: unknown, b: string[]) => JSON.stringify(a) === JSON.stringify(b);
  if (e.finding !== tag(body.finding) || e.subjectTag !== tag(body.subject) || !same(e.concernTags, body.alsoConcerns.map(tag)) || !same(e.recipientTags, body.recipients.map(tag))) return e;
  const { sealed: _s, subjectTag: _t, concernTags: _c, recipientTags: _r, ...pub } = e;
  return { ...pub, ...body };
}

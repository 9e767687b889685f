// Field schemas shared by the governance entry and change schemas.
import { z } from 'zod';
import { checkPerson, checkRole } from '../capture/directory.js';

function valid(check: (s: string) => void): (s: string) => boolean {
  return (s) => {
    try {
      check(s);
      return true;
    } catch {
      return false;
    }
  };
}

/** A person's name as the proxy's directory accepts it (src/capture/directory.ts). */
export const personName = z.string().refine(valid(checkPerson), 'a person is 1-128 characters of letters, digits and . _ @ + -');
export const adminName = z.string().min(1).max(128);
/** A reviewer's name as the alert routing config spells it. */
export const reviewerName = z.string().min(1).max(128);
/** An age X25519 recipient (`age1…`, Bech32). */
export const ageRecipient = z.string().regex(/^age1[02-9ac-hj-np-z]{58}$/, 'an age X25519 recipient (age1…)');
/** A signed-note verifier key `name+hash+base64`; parsed for real by the signature check. */
export const vkeyString = z.string().min(3).max(512).regex(/^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/, 'signed-note vkey');
export const hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');
export const nonce = z.string().regex(/^[0-9a-f]{32}$/, '32 lower-case hex digits');
export const rfc3339 = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'RFC 3339 UTC with milliseconds');
export const logIndex = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const reason = z.string().min(1).max(2000);
/** An upstream PostgreSQL role (a PostgreSQL identifier). */
export const upstreamRole = z.string().refine(valid(checkRole), 'an upstream role is a PostgreSQL identifier');
export const signature = z.object({ signer: vkeyString, sig: z.string().min(1).max(200) }).strict();

/** Compare-and-swap base: the log index where the touched item last changed, or null if it never existed. */
export const base = z.union([logIndex, z.null()]);

export function toMillis(t: string): number {
  return Date.parse(t);
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

// Confidential alerts (issue #13 item 1): what the public log holds of an alert,
// who can open its body, padding to fixed buckets, and tags that bind the body.
import { afterEach, describe, expect, it } from 'vitest';
import { alertTag, pad, seal, SEAL_BUCKETS, unseal, type SealedBody } from '../../src/alert/seal.js';
import { harness, type Harness } from './helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => h?.close());

const body = (over: Partial<SealedBody> = {}): SealedBody => ({
  finding: 'watchlist:42', rule: 'watchlist', subject: 'mallory', alsoConcerns: [], score: 90, reasons: ['looked up a VIP'], entries: [42], recipients: ['alice', 'bob'], ...over,
});

describe('sealed alert bodies', () => {
  it('pads to fixed buckets: bodies of different lengths in one bucket give ciphertexts of one length', async () => {
    const { identity, recipient } = await (async () => {
      const { generateX25519Identity, identityToRecipient } = await import('age-encryption');
      const id = await generateX25519Identity();
      return { identity: id, recipient: await identityToRecipient(id) };
    })();
    expect(pad(body()).length).toBe(SEAL_BUCKETS[0]);
    const short = await seal(body({ reasons: ['x'] }), [recipient]);
    const longer = await seal(body({ reasons: ['x'.repeat(700)], subject: 'a-much-longer-person-name@example.com' }), [recipient]);
    expect(short.length).toBe(longer.length);
    expect(pad(body({ reasons: ['x'.repeat(2000)] })).length).toBe(SEAL_BUCKETS[1]);
    // The largest body is clamped (reasons dropped from the end) to the largest bucket.
    const huge = pad(body({ reasons: Array.from({ length: 32 }, (_, i) => `${i}`.padEnd(2000, 'r')) }));
    expect(huge.length).toBe(SEAL_BUCKETS.at(-1));
    expect(await unseal(short, [identity])).toEqual(body({ reasons: ['x'] }));
  });

  it('the log holds no name, reason or recipient in clear; recipients and the server open it, other reviewers and the subject cannot', async () => {
    h = await harness();
    const a = await h.svc.raise(h.finding({ subject: 'carol', reasons: ['carol opened the record of patient 8 (VIP)'] })); // → alice, bob
    expect(a.recipients).toEqual(['alice', 'bob']);
    const raw = Buffer.from(h.log.appender.storage.readEntries(a.id, a.id + 1)[0]!).toString('utf8');
    for (const secret of ['carol', 'alice', 'bob', 'patient 8', 'watchlist']) expect(raw).not.toContain(secret);
    const e = JSON.parse(raw);
    expect(Object.keys(e).sort()).toEqual(['concernTags', 'finding', 'group', 'kind', 'recipientTags', 'route', 'sealed', 'severity', 'subjectTag', 'time', 'v']);
    expect(e.subjectTag).toBe(alertTag(h.sealing.tagKey, 'carol'));
    for (const r of ['alice', 'bob']) expect((await unseal(e.sealed, [h.pair(r).identity]))?.subject).toBe('carol');
    expect(await unseal(e.sealed, [h.sealing.identity])).toMatchObject({ subject: 'carol', recipients: ['alice', 'bob'] });
    for (const other of ['carol', 'dave']) expect(await unseal(e.sealed, [h.pair(other).identity])).toBeUndefined();
  });

  it('a restarted service opens the bodies with the server key; a body swapped under other tags is not believed', async () => {
    h = await harness();
    const a = await h.svc.raise(h.finding({ subject: 'zed' }));
    const b = await h.svc.raise(h.finding({ subject: 'carol', severity: 'low' }));
    expect(await h.reopen().get(a.id)).toMatchObject({ subject: 'zed', reasons: a.reasons, recipients: a.recipients });
    // Someone with write access to log.db replays b's body under a's tags (so that it would look like an alert about zed).
    const ea = h.log.entries()[a.id]!.entry;
    const eb = h.log.entries()[b.id]!.entry;
    const swapped = await h.log.writer.append({ ...ea, sealed: eb.sealed });
    expect(await h.reopen().get(swapped)).toBeUndefined();
  });
});

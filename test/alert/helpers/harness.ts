// An AlertService on a real SQLite log, with a movable clock and reviewers whose
// contact is a signed webhook to a real local HTTP receiver.
import type { Finding } from '../../../src/detect/finding.js';
import { AlertService, type ReviewerSigner } from '../../../src/alert/service.js';
import type { ReviewerKeys } from '../../../src/alert/review.js';
import { loadSigner } from '../../../src/governance/signing.js';
import { generateReviewerKey, type ReviewerKeyPair } from '../../../src/alert/reviewer-key.js';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { randomBytes } from 'node:crypto';
import type { Sealing } from '../../../src/alert/service.js';
import type { RoutingConfig } from '../../../src/alert/routing-config.js';
import { testConfig } from './config.js';
import { openTestLog, type TestLog } from './log.js';
import { startReceiver, type Receiver } from './receiver.js';

export const SECRET = 'test-webhook-secret-0123456789';
export const ORIGIN = 'test.example/alerts';
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'nobody'];

/**
 * Reviewer key pairs made as `ilog reviewer keygen` makes them, and a ReviewerKeys
 * that holds them as registered at log index 0 (before every review). The
 * governance-backed ReviewerKeys is exercised in review-governed.test.ts.
 */
export async function reviewerKeys(): Promise<{ keys: ReviewerKeys; rev(name: string): ReviewerSigner; pair(name: string): ReviewerKeyPair }> {
  const pairs = new Map(await Promise.all(NAMES.map(async (n) => [n, await generateReviewerKey(n)] as const)));
  const pub = (n: string) => {
    const k = pairs.get(n);
    return k && { vkey: k.vkey, recipient: k.recipient };
  };
  return { keys: { at: (n, index) => (index > 0 ? pub(n) : undefined), current: pub }, rev: (n) => ({ name: n, key: loadSigner(pairs.get(n)!.skey) }), pair: (n) => pairs.get(n)! };
}

export interface Harness {
  svc: AlertService;
  log: TestLog;
  receiver: Receiver;
  cfg: RoutingConfig;
  clock: { now: number };
  keys: ReviewerKeys;
  /** A reviewer's signing identity. */
  rev(name: string): ReviewerSigner;
  /** A reviewer's whole key pair (with the age identity). */
  pair(name: string): ReviewerKeyPair;
  /** The server's alert keys. */
  sealing: Sealing;
  /** A second service on the same log: what a restarted process would see. */
  reopen(): AlertService;
  finding(over?: Partial<Finding>): Finding;
  close(): Promise<void>;
}

let seq = 0;

export async function harness(over: Record<string, unknown> = {}, receiverOpts: Parameters<typeof startReceiver>[0] = {}): Promise<Harness> {
  const receiver = await startReceiver(receiverOpts);
  const cfg = testConfig({ smtp: undefined, ...over }, (n) => ({ webhook: { url: `${receiver.url}/hook/${n}`, secret: SECRET } }));
  const log = await openTestLog();
  const clock = { now: Date.parse('2026-11-27T09:00:00.000Z') };
  const { keys, rev, pair } = await reviewerKeys();
  const server = await generateX25519Identity();
  const sealing = { identity: server, recipient: await identityToRecipient(server), tagKey: randomBytes(32) };
  const make = () => new AlertService({ log: log.log, config: cfg, origin: ORIGIN, keys, sealing: async () => sealing, clock: () => clock.now, sleep: async () => {} });
  const svc = make();
  const opened = [svc];
  return {
    svc,
    log,
    receiver,
    cfg,
    clock,
    keys,
    rev,
    pair,
    sealing,
    reopen: () => {
      const s = make();
      opened.push(s);
      return s;
    },
    finding: (f = {}) => ({
      id: `f${++seq}`,
      rule: 'watchlist',
      subject: 'mallory',
      alsoConcerns: [],
      severity: 'high',
      score: 91,
      reasons: ['accessed the watch-listed record of VIP patient'],
      entries: [0],
      time: new Date(clock.now).toISOString(),
      ...f,
    }),
    async close() {
      for (const s of opened) await s.stop();
      await receiver.stop();
      await log.close();
    },
  };
}

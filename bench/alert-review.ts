// CPU cost of signed reviews and sealed alert bodies (docs/alert.md "Figures"): AlertBook.apply of
// signed acks (each signature checked once), one list() of every alert (reviews counted
// per view), and age seal/open of one body. Prints one JSON line; CPU time, not wall time.
import { AlertBook } from '../src/alert/book.js';
import { signReview } from '../src/alert/review.js';
import { generateReviewerKey } from '../src/alert/reviewer-key.js';
import { loadSigner } from '../src/governance/signing.js';
import { seal, unseal } from '../src/alert/seal.js';
const k = await generateReviewerKey('alice');
const signer = loadSigner(k.skey);
const origin = 'bench.example/log';
const N = 5000;
const book = new AlertBook({ origin, keys: { at: () => ({ vkey: k.vkey, recipient: k.recipient }), current: () => ({ vkey: k.vkey, recipient: k.recipient }) }, eligible: () => true });
const entries: unknown[] = [];
const t = new Date().toISOString();
for (let i = 0; i < N; i++) {
  entries.push({ v: 1, kind: 'alert.raised', time: t, finding: `f${i}`, rule: 'r', subject: 's', alsoConcerns: [], severity: 'high', score: 50, reasons: ['x'], entries: [], group: 'g', route: 'rule', recipients: ['alice'] });
  entries.push({ v: 1, ...signReview({ kind: 'alert.ack' as const, time: t, alert: 2 * i, by: 'alice' }, signer, origin) });
}
const c0 = process.cpuUsage();
entries.forEach((e, i) => book.apply(i, e));
const c1 = process.cpuUsage(c0);
const c2 = process.cpuUsage();
const list = book.list();
const c3 = process.cpuUsage(c2);
const body = { finding: 'f', rule: 'watchlist', subject: 'mallory', alsoConcerns: [], score: 90, reasons: ['looked up a VIP'], entries: [42], recipients: ['alice', 'bob'] };
const M = 200;
const c4 = process.cpuUsage();
const sealed: string[] = [];
for (let i = 0; i < M; i++) sealed.push(await seal(body, [k.recipient, k.recipient]));
const c5 = process.cpuUsage(c4);
const c6 = process.cpuUsage();
for (const s of sealed) await unseal(s, [k.identity]);
const c7 = process.cpuUsage(c6);
const us = (c: NodeJS.CpuUsage) => c.user + c.system;
console.log(JSON.stringify({ bench: "alert-review", reviewsApplied: N, applyCpuUsPerReview: us(c1) / N, alertsListed: list.length, acked: list.filter((a) => a.state === 'acknowledged').length, listCpuMs: us(c3) / 1000, sealCpuUsPerBody: us(c5) / M, unsealCpuUsPerBody: us(c7) / M, sealedBase64Bytes: sealed[0]!.length }));

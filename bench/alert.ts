// Alert latency benchmark; prints one JSON line per figure.
//   npm run bench:alert -- [--accesses 200] [--channel webhook|email]
// Time from an access entry being durably appended (POST /v1/access answered 201)
// to its alert's first delivery (the webhook receiver, or the SMTP server process,
// got the message): capture API → log → follower → detector (watch-listed record)
// → alert.raised → routing → channel. Accesses are sent one at a time, each by a
// different person so the detector's cooldown does not hide any.
import Fastify from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appTokens, startAlerting } from '../src/server/alerting.js';
import { Appender } from '../src/log/appender.js';
import { initLog } from '../src/log/appender-init.js';
import { startSmtpSink } from '../test/alert/helpers/smtp.js';

const { values: args } = parseArgs({ options: { accesses: { type: 'string', default: '200' }, channel: { type: 'string', default: 'webhook' } } });
const N = Number(args.accesses);
const EMAIL = args.channel === 'email';

const dir = mkdtempSync(join(tmpdir(), 'ilog-bench-alert-'));
// Wall-clock ms (Date.now) throughout: the SMTP server is another process.
const delivered = new Map<number, number>(); // access index → first delivery time
const noteDelivery = (accessIndex: number, at = Date.now()) => delivered.has(accessIndex) || delivered.set(accessIndex, at);

// Receivers: a webhook endpoint in this process, or a real SMTP server process (polled for arrivals).
const hook = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c));
  req.on('end', () => {
    for (const i of (JSON.parse(body) as { alert: { entries: number[] } }).alert.entries) noteDelivery(i);
    res.end('ok');
  });
});
await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
const sink = EMAIL ? await startSmtpSink() : undefined;

const contact = (n: string) => (EMAIL ? { email: `${n}@example.test` } : { webhook: { url: `${hookUrl}/${n}`, secret: 'bench-secret-0123456789' } });
await initLog(dir, { origin: 'bench.example/alerts' });
writeFileSync(
  join(dir, 'alerts.json'),
  JSON.stringify({
    reviewers: { alice: contact('alice'), bob: contact('bob') },
    groups: { g: { members: ['alice', 'bob'] } },
    fallback: 'g',
    ...(sink ? { smtp: { host: '127.0.0.1', port: sink.port, from: 'ilog@example.test' } } : {}),
  }),
);
writeFileSync(join(dir, 'detector.json'), JSON.stringify({ watchlist: [{ ids: ['vip-1'], label: 'a VIP' }] }));
const appender = await Appender.open(dir);
const alerting = startAlerting({ dir, writer: appender, storage: appender.storage });
const server = Fastify();
await alerting.register(server);
const url = await server.listen({ host: '127.0.0.1', port: 0 });
const token = appTokens(dir).add('bench');

const seenMail = new Set<number>();
/** Email mode: each message names its alert (X-Ilog-Alert); the alert names the access entries. */
async function collectMail(): Promise<void> {
  for (const m of sink!.messages()) {
    const id = Number(/X-Ilog-Alert: (\d+)/.exec(m.raw)?.[1]);
    if (seenMail.has(id)) continue;
    seenMail.add(id);
    for (const i of (await alerting.service.get(id))?.entries ?? []) noteDelivery(i, m.receivedAt);
  }
}

const latencies: number[] = [];
for (let i = 0; i < N; i++) {
  const res = await fetch(`${url}/v1/access`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ actor: `person${i}`, action: 'view', resource: { type: 'customer', id: 'vip-1' }, purpose: 'bench' }),
  });
  const appended = Date.now();
  const { index } = (await res.json()) as { index: number };
  for (let spins = 0; !delivered.has(index) && spins < 20_000; spins++) {
    if (sink) await collectMail();
    await new Promise((r) => setTimeout(r, 1));
  }
  const t = delivered.get(index);
  if (t !== undefined) latencies.push(t - appended);
}

const s = [...latencies].sort((a, b) => a - b);
const q = (p: number) => Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN) * 10) / 10;
console.log(JSON.stringify({ bench: 'alert', figure: 'access_appended_to_first_delivery', channel: EMAIL ? 'email' : 'webhook', accesses: N, delivered: s.length, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1) }));

await server.close();
await alerting.stop();
await appender.close();
await sink?.stop();
hook.close();
rmSync(dir, { recursive: true, force: true });

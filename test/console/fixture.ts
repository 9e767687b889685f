// A governed log with alerting, three registered reviewers (alice, bob, carol: the
// privacy group), a watch-listed record, and the log service's Fastify server
// with the alert API and the console. As test/alert/e2e.test.ts, without email.
import Fastify, { type FastifyInstance } from 'fastify';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startAlerting, type Alerting } from '../../src/server/alerting.js';
import { formatReviewerKey, generateReviewerKey, type ReviewerKeyPair } from '../../src/alert/reviewer-key.js';
import { propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { policyReviewerKeys } from '../../src/server/reviewer-keys.js';
import { GovernanceView } from '../../src/governance/view.js';
import { Appender } from '../../src/log/appender.js';
import { hmacValue, loadHmacKey } from '../../src/capture/pg/entries.js';
import { governedDir, type GovDir } from '../governance/fixture.js';

export const REVIEWERS = ['alice', 'bob', 'carol'] as const;

export interface ConsoleLog {
  g: GovDir;
  dir: string;
  appender: Appender;
  alerting: Alerting;
  server: FastifyInstance;
  url: string;
  keys: Record<string, ReviewerKeyPair>;
  /** Path of each reviewer's private key file. */
  keyFile: (name: string) => string;
  hmacKey: Buffer;
  stop(): Promise<void>;
}

/** `watch`: the watch-listed values (a value HMAC for proxied statements, a resource id for apps). */
export async function consoleLog(watch: (hmac: (value: string) => string) => string[] = () => ['customer-4711']): Promise<ConsoleLog> {
  const g = await governedDir(1, 1);
  const dir = g.dir;
  const keys: Record<string, ReviewerKeyPair> = {};
  const keyFile = (n: string) => join(dir, '..', `${n}.reviewer`);
  for (const n of REVIEWERS) {
    keys[n] = await generateReviewerKey(n);
    writeFileSync(keyFile(n), formatReviewerKey(keys[n]!), { mode: 0o600 });
    writeFileSync(join(dir, '..', `${n}.pub.json`), JSON.stringify({ reviewer: n, vkey: keys[n]!.vkey, recipient: keys[n]!.recipient }));
    await propose({ dir }, g.admins[0]!, (p) => ({ changes: [buildChange('reviewer.key', [n, join(dir, '..', `${n}.pub.json`)], {}, p).change], verifiers: [] }));
  }
  // Alerts are delivered to a real webhook receiver that accepts everything.
  const hooks = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
  await new Promise<void>((ok) => hooks.listen(0, '127.0.0.1', ok));
  const webhook = { webhook: { url: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`, secret: "a-test-secret-of-32-characters!!" } };
  writeFileSync(
    join(dir, 'alerts.json'),
    JSON.stringify({
      reviewers: { alice: webhook, bob: webhook, carol: webhook, dave: webhook, erin: webhook },
      groups: { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } },
      rules: [{ rule: ['watchlist'], group: 'privacy' }],
      fallback: 'security',
    }),
  );
  const hmacKey = loadHmacKey(dir);
  // A look-up is held open to see whether it leads to work (default 2 h); here the window is 50 ms.
  writeFileSync(join(dir, 'detector.json'), JSON.stringify({ watchlist: [{ ids: watch((v) => hmacValue(hmacKey, v)), label: 'the CEO' }], rules: { watchlist: { windowMinutes: 50 / 60_000 } } }));
  const appender = await Appender.open(dir);
  const view = GovernanceView.open(dir);
  view.follow(50, () => {});
  const alerting = startAlerting({ dir, writer: appender, storage: appender.storage, keys: policyReviewerKeys(() => view.policy) });
  const server = Fastify();
  await alerting.register(server);
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    g, dir, appender, alerting, server, url, keys, keyFile, hmacKey,
    async stop() {
      await server.close();
      await alerting.stop();
      await appender.close();
      view.close();
      await new Promise((ok) => hooks.close(ok));
      g.cleanup();
    },
  };
}

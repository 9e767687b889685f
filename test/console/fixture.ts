// A governed log with alerting, three registered reviewers (alice, bob, carol: the
// privacy group), a watch-listed record, and the log service's Fastify server
// with the alert API and the console. As test/alert/e2e.test.ts, without email.
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
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
import { loadSigner, sign } from '../../src/governance/signing.js';
import { cosignerFromKey, generateCosignerKey } from '../../src/ledger/cosignature.js';
import { listen } from '../../src/http/log-server.js';
import type { PublisherSource } from '../../src/witness/publisher.js';
import { startWitnessPublishing, type WitnessPublishing } from '../../src/witness/log-publishing.js';
import { Witness } from '../../src/witness/witness.js';
import { witnessServer } from '../../src/witness/witness-server.js';
import { WitnessStore } from '../../src/witness/witness-store.js';

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

/** Witnesses for the log (`witness-policy`: all of them must cosign), each a real witness server on loopback. */
async function startWitnesses(dir: string, names: readonly string[], source: PublisherSource): Promise<{ publishing: WitnessPublishing; stop(): Promise<void> }> {
  const running: { app: FastifyInstance; store: WitnessStore; name: string; vkey: string; url: string }[] = [];
  const logVkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  for (const name of names) {
    const { skey, vkey } = generateCosignerKey(`${name}.example`);
    const store = WitnessStore.open(join(dir, '..', `witness-${name}`));
    const app = witnessServer(new Witness({ store, cosigners: [cosignerFromKey(skey)], logKeys: [logVkey] }));
    running.push({ app, store, name, vkey, url: await listen(app, '127.0.0.1', 0) });
  }
  writeFileSync(join(dir, 'witness-policy'), `log ${logVkey}\n${running.map((w) => `witness ${w.name} ${w.vkey} ${w.url}`).join('\n')}\ngroup all ${running.length} ${names.join(' ')}\nquorum all\n`);
  const publishing = startWitnessPublishing(dir, source, { tuning: { pollMs: 50, timeoutMs: 2000 } })!;
  return {
    publishing,
    async stop() {
      await publishing.stop();
      for (const w of running) {
        await w.app.close();
        w.store.close();
      }
    },
  };
}

/**
 * `watch`: the watch-listed values (a value HMAC for proxied statements, a resource id for apps).
 * `witnesses`: names of witnesses that must cosign every published checkpoint (none by default).
 */
export async function consoleLog(watch: (hmac: (value: string) => string) => string[] = () => ['customer-4711'], o: { witnesses?: readonly string[] } = {}): Promise<ConsoleLog> {
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
  const witnesses = o.witnesses ? await startWitnesses(dir, o.witnesses, appender.storage) : undefined;
  const server = Fastify();
  await alerting.register(server, witnesses?.publishing.published, witnesses && (() => witnesses.publishing.publisher.status()));
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    g, dir, appender, alerting, server, url, keys, keyFile, hmacKey,
    async stop() {
      await server.close();
      await alerting.stop();
      await witnesses?.stop();
      await appender.close();
      view.close();
      await new Promise((ok) => hooks.close(ok));
      g.cleanup();
    },
  };
}

/** Signs `reviewer` in to the console over HTTP (their registered key); returns the session cookie and CSRF token. */
export async function signIn(c: ConsoleLog, reviewer: string): Promise<{ cookie: string; csrf: string }> {
  const ch = (await (await fetch(`${c.url}/ui/api/login/challenge`)).json()) as { nonce: string; origin: string; domain: string };
  const sig = sign(loadSigner(c.keys[reviewer]!.skey), ch.origin, ch.nonce, ch.domain).sig;
  const res = await fetch(`${c.url}/ui/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer, nonce: ch.nonce, sig }) });
  if (res.status !== 200) throw new Error(`sign-in as ${reviewer} failed: HTTP ${res.status}`);
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf };
}

/** A fresh browser context signed in to the console as `name` with their key file (the page's own sign-in). */
export async function signedInPage(browser: Browser, c: ConsoleLog, name: string): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${c.url}/ui/`);
  await page.getByLabel('Reviewer key file').setInputFiles(c.keyFile(name));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(async () => `${await page.locator('#whoami').textContent()}${await page.locator('#status').textContent()}`, { timeout: 20_000 }).toBe(`Signed in as ${name}`);
  await page.locator('#queue').waitFor();
  return page;
}

/** Headless Chromium (Debian's /usr/bin/chromium) with its temporary files under `profile`. */
export function launchChromium(profile: string): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    // Playwright refuses --user-data-dir with launch(); it gives each launch a fresh temporary
    // profile of its own, and each reviewer gets a fresh context (no shared cookies).
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    env: { ...process.env, TMPDIR: profile },
  });
}

// The "done when": a curiosity lookup recorded through the application
// capture API → the detector (src/detect) flags the watch-listed record →
// alert.raised with its reason → delivered by email (a real SMTP server process)
// to two reviewers who are not its subject → acknowledged by both (one over
// HTTP, one with the CLI in another process), each ack signed with the reviewer's
// own key that the quorum registered → every step read back from the log.
import Fastify, { type FastifyInstance } from 'fastify';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewerTokens, startAlerting, type Alerting } from '../../src/server/alerting.js';
import { Appender } from '../../src/log/appender.js';
import { governedDir, type GovDir } from '../governance/fixture.js';
import { generateReviewerKey, formatReviewerKey } from '../../src/alert/reviewer-key.js';
import { propose } from '../../src/governance/actions.js';
import { buildChange } from '../../src/governance/change-args.js';
import { GovernanceView } from '../../src/governance/view.js';
import { policyReviewerKeys } from '../../src/server/reviewer-keys.js';
import { signReview } from '../../src/alert/review.js';
import { openBare } from './helpers/opened.js';
import { loadSigner } from '../../src/governance/signing.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';

describe('curiosity lookup → alert → email to two reviewers → both acknowledge, all in the log', () => {
  let dir: string;
  let sink: SmtpSink;
  let appender: Appender;
  let alerting: Alerting;
  let server: FastifyInstance;
  let url: string;
  let g: GovDir;
  let view: GovernanceView;
  const keys: Record<string, Awaited<ReturnType<typeof generateReviewerKey>>> = {};

  beforeAll(async () => {
    g = await governedDir(1, 1);
    dir = g.dir;
    sink = await startSmtpSink();
    // Reviewers make their keys; the (1-of-1) quorum registers alice's, bob's and carol's public halves.
    for (const n of ['alice', 'bob', 'carol']) {
      keys[n] = await generateReviewerKey(n);
      writeFileSync(join(dir, '..', `${n}.reviewer`), formatReviewerKey(keys[n]!), { mode: 0o600 });
      writeFileSync(join(dir, '..', `${n}.pub.json`), JSON.stringify({ reviewer: n, vkey: keys[n]!.vkey, recipient: keys[n]!.recipient }));
      await propose({ dir }, g.admins[0]!, (p) => ({ changes: [buildChange('reviewer.key', [n, join(dir, '..', `${n}.pub.json`)], {}, p).change], verifiers: [] }));
    }
    const contact = (n: string) => ({ email: `${n}@example.test` });
    writeFileSync(
      join(dir, 'alerts.json'),
      JSON.stringify({
        // carol is a reviewer in the group the alert goes to — and the one who looks the record up.
        reviewers: { alice: contact('alice'), bob: contact('bob'), carol: contact('carol'), dave: contact('dave'), erin: contact('erin') },
        groups: { privacy: { members: ['alice', 'bob', 'carol'] }, security: { members: ['dave', 'erin'] } },
        rules: [{ rule: ['watchlist'], group: 'privacy' }],
        fallback: 'security',
        smtp: { host: '127.0.0.1', port: sink.port, from: 'ilog@example.test' },
        delivery: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      }),
    );
    // A look-up is held open to see whether it leads to work (default 2 h); here the window is
    // 50 ms, and the pipeline's clock tick judges it even though nothing else is logged.
    writeFileSync(join(dir, 'detector.json'), JSON.stringify({ watchlist: [{ ids: ['customer-4711'], label: 'the CEO (customer 4711)' }], rules: { watchlist: { windowMinutes: 50 / 60_000 } } }));
    appender = await Appender.open(dir);
    view = GovernanceView.open(dir);
    view.follow(50, () => {});
    alerting = startAlerting({ dir, writer: appender, storage: appender.storage, keys: policyReviewerKeys(() => view.policy) });
    server = Fastify();
    await alerting.register(server);
    url = await server.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await alerting?.stop();
    await appender?.close();
    view?.close();
    await sink?.stop();
    g?.cleanup();
  });

  it('works end to end', { timeout: 180_000 }, async () => {
    const app = jsonOf(await runCli(['app', 'add', 'crm', '--json'], { dir }));
    // (CLI start-up is slow on a loaded machine: reviewer tokens are issued in-process; cli.test.ts covers `alerts token`.)
    const [aliceToken, , carolToken] = ['alice', 'bob', 'carol'].map((r) => reviewerTokens(dir).add(r)) as [string, string, string];

    // 1. The CRM records that carol viewed the CEO's customer record.
    const res = await fetch(`${url}/v1/access`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ actor: 'carol', action: 'view', resource: { type: 'customer', id: 'customer-4711' }, purpose: 'just curious', rows: 1, role: 'support' }),
    });
    expect(res.status).toBe(201);
    const access = ((await res.json()) as { index: number }).index;

    // 2. The detector flags it and the alert goes out by email.
    await alerting.pipeline.reached(access + 1);
    const mails = await sink.waitFor(2);
    await alerting.service.idle();
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['alice@example.test', 'bob@example.test']);
    expect(sink.messages().some((m) => m.to.includes('carol@example.test'))).toBe(false);
    const [alert] = await alerting.service.list({ subject: 'carol' });
    expect(alert).toBeDefined();
    for (const m of mails) expect(m.raw).toContain(`alert #${alert!.id}`);

    // 3. The subject cannot see or touch it; alice acknowledges over HTTP, bob with the CLI.
    const carolList = await fetch(`${url}/v1/alerts`, { headers: { authorization: `Bearer ${carolToken}` } });
    expect(((await carolList.json()) as { alerts: unknown[] }).alerts).toEqual([]);
    const signedAck = (n: string, note?: string) => {
      const time = new Date().toISOString();
      const { signature } = signReview({ kind: 'alert.ack', time, alert: alert!.id, by: n, ...(note ? { note } : {}) }, loadSigner(keys[n]!.skey), g.origin);
      return JSON.stringify({ time, ...(note ? { note } : {}), signature });
    };
    // Changed on purpose (issue #13): 404 as for an alert that does not exist (was 403 "concerned by alert N").
    const carolAck = await fetch(`${url}/v1/alerts/${alert!.id}/ack`, { method: 'POST', headers: { authorization: `Bearer ${carolToken}`, 'content-type': 'application/json' }, body: signedAck('carol') });
    expect(carolAck.status).toBe(404);
    const ack = await fetch(`${url}/v1/alerts/${alert!.id}/ack`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
      body: signedAck('alice', 'calling carol'),
    });
    expect(ack.status).toBe(200);
    const cli = await runCli(['alerts', 'ack', String(alert!.id), '--json'], { dir, env: { ILOG_REVIEWER_KEY: join(dir, '..', 'bob.reviewer') } });
    expect(cli.code).toBe(0);
    expect(jsonOf(cli).alert.acks.map((a: { by: string }) => a.by)).toEqual(['alice', 'bob']);

    // 4. Every step is in the log.
    const listed = await fetch(`${url}/v1/alerts?subject=carol&state=acknowledged`, { headers: { authorization: `Bearer ${aliceToken}` } });
    expect(((await listed.json()) as { alerts: { id: number }[] }).alerts.map((a) => a.id)).toEqual([alert!.id]);
    const dec = new TextDecoder();
    const sealedLog = appender.storage.readEntries(0, appender.storage.size()).map((b, index) => ({ index, ...JSON.parse(dec.decode(b)) }));
    // The alert's body is sealed in the log: nothing about carol in clear; the server's key opens it.
    const sealedRaised = sealedLog.find((e) => e.kind === 'alert.raised')!;
    expect(JSON.stringify(sealedRaised)).not.toContain('carol');
    const log = (await openBare(dir, sealedLog)) as typeof sealedLog;
    expect(log[access]).toMatchObject({ kind: 'access', source: 'app:crm', person: 'carol', action: 'view', resource: { type: 'customer', ids: ['customer-4711'] }, purpose: 'just curious' });
    const raised = log.find((e) => e.kind === 'alert.raised')!;
    expect(raised).toMatchObject({ index: alert!.id, rule: 'watchlist', subject: 'carol', recipients: ['alice', 'bob'], route: 'rule', group: 'privacy' });
    expect(raised.entries).toContain(access);
    expect(raised.reasons[0]).toMatch(/watch-listed record of the CEO/);
    expect(raised.index).toBeGreaterThan(access);
    const delivered = log.filter((e) => e.kind === 'alert.delivery' && e.alert === alert!.id);
    expect(delivered.map((e) => [e.recipient, e.channel, e.status]).sort()).toEqual([['alice', 'email', 'delivered'], ['bob', 'email', 'delivered']]);
    const acks = log.filter((e) => e.kind === 'alert.ack' && e.alert === alert!.id);
    expect(acks.map((e) => [e.by, e.note])).toEqual([['alice', 'calling carol'], ['bob', undefined]]);
    expect(Math.min(...acks.map((e) => e.index))).toBeGreaterThan(Math.max(...delivered.map((e) => e.index)));
  });
});

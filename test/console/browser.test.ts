// The end-to-end test in a real headless Chromium (playwright-core, Debian's
// /usr/bin/chromium): a statement through the PostgreSQL capture proxy on a watch-listed
// record (patient 42) raises an alert; alice signs
// in with her key file, sees it, opens it and sees its proofs verified in the page;
// bob and alice close it (two reviewers for a high alert); carol, its subject and a
// member of the group, signs in and sees neither the alert nor any trace of it, and
// cannot act on it; a record look-up lists the access and is itself logged; the
// downloaded subject access report passes `ilog report verify` and fails it after
// one byte is changed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, type ProxyFixture } from '../capture/fixture.js';
import { signReview } from '../../src/alert/review.js';
import { loadSigner } from '../../src/governance/signing.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { hmacValue } from '../../src/capture/pg/entries.js';
import { consoleLog, launchChromium, signedInPage, type ConsoleLog } from './fixture.js';

describe.skipIf(skipWithoutPg())('reviewers’ console in headless Chromium', () => {
  let c: ConsoleLog;
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let browser: Browser;
  let profile: string;
  let alertId: number;
  let access: number;

  beforeAll(async () => {
    c = await consoleLog((hmac) => [hmac('42')]);
    profile = mkdtempSync(join(tmpdir(), 'ilog-chromium-'));
    browser = await launchChromium(profile);
    // carol, through the capture proxy writing to this log, reads patient 42's record.
    cluster = await startPgCluster();
    cluster.psql("CREATE TABLE patients (id int primary key, name text); INSERT INTO patients SELECT g, 'p' || g FROM generate_series(1, 100) g;");
    fx = await startProxy(cluster, { log: c.appender, hmacKey: c.hmacKey });
    await fx.addUser('carol', 'postgres', 'carol-pw');
    const db = new pg.Client(fx.client('carol', 'carol-pw', { options: '-c ilog.purpose=just\\ curious' }));
    await db.connect();
    expect((await db.query('SELECT name FROM patients WHERE id = 42')).rows).toEqual([{ name: 'p42' }]);
    await db.end();
    access = entries().find((e) => e.kind === 'access' && e.source === 'pg-proxy' && e.person === 'carol')!.index;
    await c.alerting.pipeline.reached(access + 1);
    // The watch-list rule holds a look-up open for its (here 50 ms) window before it judges it.
    for (let i = 0; i < 300 && (await c.alerting.service.list({ subject: 'carol' })).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    await c.alerting.service.idle();
    alertId = (await c.alerting.service.list({ subject: 'carol' }))[0]!.id;
    await c.appender.awaitIntegrated(alertId); // a signed checkpoint covers the alert
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    await cluster?.stop();
    await c?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const signedIn = (name: string): Promise<Page> => signedInPage(browser, c, name);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- entries of every kind, read back for assertions
  type Entry = { index: number } & Record<string, any>;
  const entries = (): Entry[] => {
    const dec = new TextDecoder();
    return c.appender.storage.readEntries(0, c.appender.storage.size()).map((b, index) => ({ index, ...(JSON.parse(dec.decode(b)) as Record<string, unknown>) }));
  };

  it('alice sees the alert, opens it and the page verifies every cited entry against the signed checkpoint', { timeout: 120_000 }, async () => {
    const page = await signedIn('alice');
    const row = page.locator(`#alerts tr[data-alert="${alertId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('watchlist');
    expect(await row.textContent()).toContain('carol');
    // Filters: by rule, person and time (raised since).
    const filter = async (label: string, value: string) => {
      await page.getByLabel(label, { exact: true }).fill(value);
      await page.getByRole('button', { name: 'Filter' }).click();
    };
    await filter('Rule', 'bulk-read');
    await expect.poll(() => page.locator('#alerts caption').textContent(), { timeout: 20_000 }).toMatch(/: 0$/);
    await filter('Rule', 'watchlist');
    await filter('Person', 'carol');
    await filter('Raised since', '2099-01-01T00:00');
    await expect.poll(() => page.locator('#alerts caption').textContent(), { timeout: 20_000 }).toMatch(/: 0$/);
    await filter('Raised since', '2000-01-01T00:00');
    await expect.poll(() => page.locator('#alerts caption').textContent(), { timeout: 20_000 }).toMatch(/: 1$/);
    await row.waitFor();
    await page.getByRole('button', { name: `Open alert ${alertId}` }).click();
    await expect.poll(() => page.locator('#checkpoint-status').getAttribute('class'), { timeout: 20_000 }).toBe('ok');
    const proofs = page.locator('#evidence td.proof');
    await expect.poll(() => proofs.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2); // the access and the alert itself
    expect(await page.locator('#evidence td.proof.bad').count()).toBe(0);
    // The sealed body was opened in the page with alice's own age identity (age-encryption served locally).
    await expect.poll(() => page.locator('#sealed-status').textContent(), { timeout: 20_000 }).toBe('Sealed body opened in this page with your key: watchlist about carol; it matches what the server shows.');
    // A changed entry does not verify against the same proof (the page's check can fail).
    // (A string, so the test runner does not rewrite the page's dynamic import.)
    const tampered = await page.evaluate(`(async () => {
      const m = await import('/ui/crypto.js');
      const r = await (await fetch('/ui/api/alerts/${alertId}/evidence')).json();
      const cp = await m.verifyCheckpoint(r.checkpoint, r.logVkey);
      const e = r.entries[0];
      const proof = e.proof.map(m.fromBase64);
      const enc = new TextEncoder();
      return [await m.verifyInclusion(enc.encode(e.entry), e.index, cp.size, proof, cp.root), await m.verifyInclusion(enc.encode(e.entry.replace('"v":1', '"v":2')), e.index, cp.size, proof, cp.root)];
    })()`);
    expect(tampered).toEqual([true, false]);
    expect(await page.locator(`#evidence tr[data-entry="${access}"] td.proof`).textContent()).toMatch(/^verified/);
    // Acknowledge and close, signed in the page with alice's key.
    await page.getByLabel('Note, comment or resolution').fill('calling carol');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => page.locator('#history').textContent(), { timeout: 20_000 }).toContain('alice acknowledged: calling carol');
    await page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('#history').textContent(), { timeout: 20_000 }).toContain('alice closed');
    const a = await c.alerting.service.get(alertId);
    expect(a!.severity).toBe('high');
    expect(a!.state).not.toBe('closed'); // a high alert needs a second reviewer
    // The views were logged as accesses by alice, from the console, before they were shown.
    const views = entries().filter((e) => e.kind === 'access' && e.source === 'console' && e.person === 'alice');
    const seen = views.flatMap((e) => (e.resource as { ids: string[] }).ids);
    expect(seen).toContain('/ui/api/v1/alerts');
    expect(seen).toContain(`/ui/api/v1/alerts/${alertId}`);
    expect(seen).toContain(`/ui/api/alerts/${alertId}/evidence`);
    // The reviews are in the log, signed by alice's registered key.
    const acts = entries().filter((e) => (e.kind === 'alert.ack' || e.kind === 'alert.closed') && e.alert === alertId);
    expect(acts.map((e) => [e.kind, e.by, (e.signature as { signer: string }).signer])).toEqual([
      ['alert.ack', 'alice', c.keys.alice!.vkey],
      ['alert.closed', 'alice', c.keys.alice!.vkey],
    ]);
    await page.context().close();
  });

  it('bob closes it with alice: two reviewers', { timeout: 120_000 }, async () => {
    const page = await signedIn('bob');
    await page.getByRole('button', { name: `Open alert ${alertId}` }).click();
    await page.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('[data-fact="state"]').textContent(), { timeout: 20_000 }).toBe('closed');
    expect((await c.alerting.service.get(alertId))!.closes.map((x) => x.by)).toEqual(['alice', 'bob']);
    await page.context().close();
  });

  it('carol, the subject, sees no trace of the alert and cannot act on it', { timeout: 120_000 }, async () => {
    const page = await signedIn('carol');
    await expect.poll(() => page.locator('#alerts caption').textContent(), { timeout: 20_000 }).toContain(': 0');
    expect(await page.locator('#alerts tbody tr').count()).toBe(0);
    const text = (await page.locator('body').textContent())!;
    for (const trace of ['watchlist', 'patients', String(alertId), 'just curious']) expect(text).not.toContain(trace);
    // Through the same session: the alert answers exactly as one that does not exist.
    const probe = (path: string, body?: object) =>
      page.evaluate(async ([p, b]) => {
        const me = (await (await fetch('/ui/api/me')).json()) as { csrf: string };
        const r = await fetch(p as string, b ? { method: 'POST', headers: { 'content-type': 'application/json', 'x-ilog-csrf': me.csrf }, body: JSON.stringify(b) } : {});
        return { status: r.status, body: await r.text() };
      }, [path, body] as const);
    const missing = 999_999;
    const norm = (s: string, id: number) => s.replaceAll(String(id), 'N');
    const got = await probe(`/ui/api/v1/alerts/${alertId}`);
    const none = await probe(`/ui/api/v1/alerts/${missing}`);
    expect(got.status).toBe(404);
    expect(norm(got.body, alertId)).toBe(norm(none.body, missing));
    const ev = await probe(`/ui/api/alerts/${alertId}/evidence`);
    expect(ev.status).toBe(404);
    expect(norm(ev.body, alertId)).toBe(norm((await probe(`/ui/api/alerts/${missing}/evidence`)).body, missing));
    // A well-signed comment by carol on the alert about her: refused as for a missing alert.
    const signed = (id: number) => {
      const time = new Date().toISOString();
      const { signature } = signReview({ kind: 'alert.comment', time, alert: id, by: 'carol', text: 'not me' }, loadSigner(c.keys.carol!.skey), c.g.origin);
      return { time, text: 'not me', signature };
    };
    const act = await probe(`/ui/api/v1/alerts/${alertId}/comment`, signed(alertId));
    const actNone = await probe(`/ui/api/v1/alerts/${missing}/comment`, signed(missing));
    expect(act.status).toBe(404);
    expect(norm(act.body, alertId)).toBe(norm(actNone.body, missing));
    expect((await c.alerting.service.get(alertId))!.comments).toEqual([]);
    // Her refused look-ups showed nothing, so they are not logged as views.
    const carolViews = entries().filter((e) => e.kind === 'access' && e.source === 'console' && e.person === 'carol').flatMap((e) => (e.resource as { ids: string[] }).ids);
    expect(carolViews.some((id) => id.includes(String(alertId)))).toBe(false);
    await page.context().close();
  });

  it('a record look-up lists the access and is itself logged as an access by the reviewer', { timeout: 120_000 }, async () => {
    const page = await signedIn('alice');
    await page.getByRole('button', { name: 'Record look-up' }).click();
    await page.getByLabel('Record value').fill('42');
    await page.getByLabel('Purpose of this look-up').fill('alert follow-up');
    await page.getByRole('button', { name: 'Look up' }).click();
    const rows = page.locator('#lookup-results tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(1);
    const cells = await rows.first().locator('td').allTextContents();
    expect(cells.slice(0, 6).join('')).toBe(`${access}${entries()[access]!.time as string}carolpg-proxyselectjust curious`);
    // The page checked the entry's inclusion proof against the signed checkpoint itself.
    expect(cells[6]).toMatch(/^verified \(\d+ hashes to the root of \d+\)$/);
    expect(await page.locator('#lookup-checkpoint').getAttribute('class')).toBe('ok');
    const lookups = entries().filter((e) => e.kind === 'access' && e.source === 'console' && e.action === 'lookup');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({ person: 'alice', purpose: 'alert follow-up' });
    // The value itself never enters the log: only its HMAC tag.
    expect(lookups[0]!.resource.ids).toEqual([hmacValue(c.hmacKey, '42')]);

    // The subject access report, downloaded as a file, passes `ilog report verify` offline;
    // one changed byte fails it (JSON and HTML alike).
    for (const format of ['json', 'html'] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download access report (${format.toUpperCase()})` }).click()]);
      const file = join(profile, `report.${format}`);
      await download.saveAs(file);
      const text = readFileSync(file, 'utf8');
      if (format === 'json') {
        const r = JSON.parse(text) as { accesses: { index: number; proof: string[] }[]; generated: { by: string } };
        expect(r.accesses.map((a) => a.index)).toEqual([access]);
        expect(r.generated.by).toBe('alice');
      }
      const ok = await runCli(['report', 'verify', file, '--vkey', join(c.dir, 'log.vkey'), '--json']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(jsonOf(ok)).toMatchObject({ ok: true, accesses: 1, keyPinned: true });
      // Change one byte: a digit of the access's time (inside the signed, proven entry).
      const at = text.indexOf('T', text.indexOf('\\"time\\"'));
      expect(at).toBeGreaterThan(0);
      const changed = text.slice(0, at + 1) + (text[at + 1] === '0' ? '1' : '0') + text.slice(at + 2);
      writeFileSync(file, changed);
      const bad = await runCli(['report', 'verify', file, '--json']);
      expect(bad.code).toBe(1);
      expect(['REPORT_SIGNATURE_INVALID', 'BAD_REPORT']).toContain(jsonOf(bad).error.code);
    }
    // carol's timeline: her proxied access (table, purpose, hour) and the alert about her, as charts.
    await page.getByRole('button', { name: 'Person timeline' }).click();
    await page.getByLabel('Person to show').fill('carol');
    await page.getByRole('button', { name: 'Show timeline' }).click();
    // Her own console views are accesses too: the timeline counts every access entry by her.
    const carols = entries().filter((e) => e.kind === 'access' && e.person === 'carol').length;
    expect(carols).toBeGreaterThan(1);
    await expect.poll(() => page.locator('#timeline-total').textContent(), { timeout: 20_000 }).toBe(`${carols} access(es) by carol`);
    const hour = `${String(new Date(entries()[access]!.time as string).getUTCHours()).padStart(2, '0')}:00`;
    for (const label of ['public.patients: 1', 'just curious: 1']) expect(await page.getByRole('meter', { name: label }).count(), label).toBe(1);
    expect(await page.getByRole('meter', { name: new RegExp(`^${hour}: [1-9]`) }).count()).toBe(1);
    expect(await page.locator('#timeline-charts caption', { hasText: 'Risk over time' }).locator('..').textContent()).toContain(`#${alertId} watchlist (high)`);
    expect(entries().some((e) => e.source === 'console' && e.person === 'alice' && e.resource.ids.includes('/ui/api/person/carol/timeline'))).toBe(true);
    // Her newest accesses, each proven into the signed checkpoint in the page (her proxied access among them).
    await expect.poll(() => page.locator('#timeline-checkpoint').getAttribute('class'), { timeout: 20_000 }).toBe('ok');
    expect(await page.locator(`#timeline-recent tr[data-entry="${access}"] td.proof`).textContent()).toMatch(/^verified/);
    expect(await page.locator('#timeline-recent td.proof.bad').count()).toBe(0);

    // Log health: the published checkpoint and its signer (the log), sequencing, detector position.
    await page.getByRole('button', { name: 'Log health' }).click();
    await expect.poll(() => page.locator('[data-fact="signed by"]').textContent(), { timeout: 20_000 }).toBe(c.g.origin);
    expect(await page.locator('[data-fact="published checkpoint"]').textContent()).toMatch(new RegExp(`^${c.g.origin} @ \\d+$`));
    expect(await page.locator('[data-fact="detector"]').textContent()).toMatch(/^at \d+ of \d+, \d+ entries behind$/);

    const reports = entries().filter((e) => e.kind === 'access' && e.source === 'console' && e.action === 'report');
    expect(reports.map((e) => [e.person, e.purpose])).toEqual([['alice', 'alert follow-up'], ['alice', 'alert follow-up']]);
    await page.context().close();
  });
});

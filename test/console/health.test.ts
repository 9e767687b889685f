// The console's log health page (docs/console.md "Log health") on a log published
// under a witness policy with two real witness servers on loopback: the published
// checkpoint's cosigners, each witness's state, the read tokens (mirrors), the last
// verification of the log (the index audit) and the reconciler's lag, over the API
// and as the page shows them in headless Chromium.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTokenStore } from '../../src/http/log-read-auth.js';
import { generateCosignerKey } from '../../src/ledger/cosignature.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { consoleLog, launchChromium, signedInPage, signIn, type ConsoleLog } from './fixture.js';

describe('console log health with witnesses', () => {
  let c: ConsoleLog;
  let browser: Browser;
  let profile: string;
  let size: number;

  beforeAll(async () => {
    c = await consoleLog(undefined, { witnesses: ['w1', 'w2'] });
    readTokenStore(c.dir, 'all').add('mirror-eu');
    await c.appender.append({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:crm', person: 'erik', action: 'view', purpose: 'support', resource: { type: 'customer', ids: ['c-1'] } });
    await c.appender.checkpoint();
    size = c.appender.storage.size();
    // The reconciler's cursor as src/capture/pgaudit/reconciler.ts saves it, caught up to 3 entries before the end.
    writeFileSync(join(c.dir, 'reconcile.cursor.json'), JSON.stringify({ v: 1, server: 'db1', pos: { file: 'postgresql.csv', offset: 0 }, matcher: {}, access: { from: 0, consumed: [] }, logSize: size - 3 }));
    profile = mkdtempSync(join(tmpdir(), 'ilog-chromium-'));
    browser = await launchChromium(profile);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await c?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('names the witnesses that cosigned the published checkpoint, the mirrors, the last verification and the lags', async () => {
    const { cookie } = await signIn(c, 'alice');
    type Health = {
      checkpoint: { size: number; signers: string[] };
      witnesses: { policyMet: boolean; publishedSize: number; witnesses: { name: string; cosigned: boolean; size: number }[] };
      readers: string[];
      index: { size: number; audit?: { ok: boolean; size: number } };
      reconciliation: { entriesSince: number; secondsSinceCursor: number };
    };
    const health = async () => (await (await fetch(`${c.url}/ui/api/health`, { headers: { cookie } })).json()) as Health;
    await expect.poll(async () => (await health()).checkpoint.size, { timeout: 20_000 }).toBeGreaterThanOrEqual(size);
    const h = await health();
    expect(h.checkpoint.signers).toEqual([c.g.origin, 'w1.example', 'w2.example']);
    expect(h.witnesses.policyMet).toBe(true);
    expect(h.witnesses.witnesses.map((w) => [w.name, w.cosigned, w.size >= size])).toEqual([
      ['w1', true, true],
      ['w2', true, true],
    ]);
    expect(h.readers).toEqual(['mirror-eu']);
    expect(h.index.audit?.ok).toBe(true);
    expect(h.reconciliation.entriesSince).toBeGreaterThanOrEqual(3); // views logged since add to it
    expect(h.reconciliation.secondsSinceCursor).toBeLessThan(600);

    const page = await signedInPage(browser, c, 'alice');
    await page.getByRole('button', { name: 'Log health' }).click();
    const fact = (k: string) => page.locator(`[data-fact="${k}"]`).textContent();
    await expect.poll(() => fact('witness policy'), { timeout: 20_000 }).toMatch(/^met: published \d+ of \d+$/);
    expect(await fact('signed by')).toBe(`${c.g.origin}, w1.example, w2.example`);
    // Every view is logged, so the log (and its checkpoint) may have moved past what a witness cosigned a
    // moment ago: the page says which; what it must show is a cosignature at least as new as the one above.
    for (const w of ['w1', 'w2']) {
      const text = (await fact(`witness ${w}`)) ?? '';
      expect(text).toMatch(/^(cosigned|has NOT cosigned) the newest checkpoint; last cosigned size \d+$/);
      expect(Number(/size (\d+)$/.exec(text)![1])).toBeGreaterThanOrEqual(size);
    }
    expect(await fact('read tokens (mirrors, auditors)')).toBe('mirror-eu');
    expect(await fact('log last verified')).toMatch(/entries re-hashed and proven into the signed tree; the console index agreed$/);
    expect(await fact('reconciliation')).toMatch(/^cursor saved \d+ s ago; \d+ log entries since$/);
    await page.context().close();
  });

  it('signs subject access reports over the witnessed checkpoint, which `ilog report verify --policy` accepts', { timeout: 120_000 }, async () => {
    const { cookie, csrf } = await signIn(c, 'alice');
    const res = await fetch(`${c.url}/ui/api/report`, { method: 'POST', headers: { cookie, 'x-ilog-csrf': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ value: 'c-1', purpose: 'subject request 4', format: 'json' }) });
    expect(res.status).toBe(200);
    const file = join(profile, 'report.json');
    const text = await res.text();
    writeFileSync(file, text);
    expect((JSON.parse(text) as { accesses: unknown[] }).accesses).toHaveLength(1);
    const ok = await runCli(['report', 'verify', file, '--policy', join(c.dir, 'witness-policy'), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(jsonOf(ok)).toMatchObject({ ok: true, accesses: 1, keyPinned: true });
    expect([...jsonOf(ok).cosigners].sort()).toEqual(['w1', 'w2']);
    // A policy naming a third witness, required with the other two, is not met by this report.
    const policy = readFileSync(join(c.dir, 'witness-policy'), 'utf8').replace('group all 2 w1 w2', 'group all 2 w1 w3').replace(/^(witness w2 .*)$/m, '$1\nwitness w3 ' + generateCosignerKey('w3.example').vkey);
    writeFileSync(join(profile, 'stricter-policy'), policy);
    const unmet = await runCli(['report', 'verify', file, '--policy', join(profile, 'stricter-policy'), '--json']);
    expect(unmet.code).toBe(1);
    expect(jsonOf(unmet).error.code).toBe('POLICY_UNMET');
  });
});

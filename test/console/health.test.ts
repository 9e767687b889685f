// The console's log health page (docs/console.md "Log health") on a log published
// under a witness policy with two real witness servers on loopback: the published
// checkpoint's cosigners, each witness's state, the read tokens (mirrors), the last
// verification of the log (the index audit) and the reconciler's lag, over the API
// and as the page shows them in headless Chromium.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTokenStore } from '../../src/http/log-read-auth.js';
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
    for (const w of ['w1', 'w2']) expect(await fact(`witness ${w}`)).toMatch(/^cosigned the newest checkpoint; last cosigned size \d+$/);
    expect(await fact('read tokens (mirrors, auditors)')).toBe('mirror-eu');
    expect(await fact('log last verified')).toMatch(/entries re-hashed and proven into the signed tree; the console index agreed$/);
    expect(await fact('reconciliation')).toMatch(/^cursor saved \d+ s ago; \d+ log entries since$/);
    await page.context().close();
  });
});

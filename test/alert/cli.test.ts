// `ilog alerts` and `ilog app` from a real subprocess, on a real log.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appTokens, reviewerTokens } from '../../src/alert/alerting.js';
import { Appender } from '../../src/log/appender.js';
import { initLog } from '../../src/log/appender-init.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import '../../src/alert/entries.js';

describe('ilog alerts / ilog app', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-alert-cli-'));
    await initLog(dir, { origin: 'cli.example/alerts' });
    const hook = (n: string) => ({ slack: `http://127.0.0.1:9/${n}` });
    writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers: { alice: hook('a'), bob: hook('b'), carol: hook('c') }, groups: { g: { members: ['alice', 'bob', 'carol'] } }, fallback: 'g' }));
  });

  it('issues tokens once, keeps hashes, and refuses unknown reviewers', async () => {
    const app = await runCli(['app', 'add', 'billing', '--json'], { dir });
    expect(app.code).toBe(0);
    expect(appTokens(dir).verify(jsonOf(app).token)).toBe('billing');
    const r = await runCli(['alerts', 'token', 'mallory', '--json'], { dir });
    expect(r.code).toBe(1);
    expect(jsonOf(r).error.code).toBe('UNKNOWN_REVIEWER');
  });

  it('acts as the reviewer the token names (a high alert stays open after one close); no token, no action', async () => {
    const log = await Appender.open(dir);
    const id = await log.append({
      v: 1, kind: 'alert.raised', time: new Date().toISOString(), finding: 'cli-1', rule: 'watchlist', subject: 'carol', alsoConcerns: [],
      severity: 'high', score: 90, reasons: ['looked up a VIP'], entries: [], group: 'g', route: 'rule', recipients: ['alice', 'bob'],
    });
    await log.close();
    const alice = reviewerTokens(dir).add('alice');
    const carol = reviewerTokens(dir).add('carol');
    const none = await runCli(['alerts', 'close', String(id), '--json'], { dir });
    expect(jsonOf(none).error.code).toBe('UNAUTHORIZED');
    const subject = await runCli(['alerts', 'close', String(id), '--json', '--token', carol], { dir });
    expect(jsonOf(subject).error.code).toBe('NOT_ALLOWED');
    const first = await runCli(['alerts', 'close', String(id), '--json', '--resolution', 'talked to carol'], { dir, env: { ILOG_REVIEWER_TOKEN: alice } });
    expect(first.code).toBe(0);
    expect(jsonOf(first).alert).toMatchObject({ state: 'open', closes: [{ by: 'alice', text: 'talked to carol' }] });
    const list = await runCli(['alerts', 'list', '--json', '--state', 'open', '--token', alice], { dir });
    expect(jsonOf(list).alerts.map((a: { id: number }) => a.id)).toEqual([id]);
    const bad = await runCli(['alerts', 'suppress', '--subject', 'x', '--for', 'forever', '--reason', 'r', '--token', alice], { dir });
    expect(bad.code).toBe(2);
  });
});

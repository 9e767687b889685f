// `ilog reviewer keygen`, `ilog propose reviewer.key`, `ilog alerts` and `ilog app`
// from real subprocesses, on a real governed log: reviews are signed with the
// reviewer's key file and count only once the quorum registered that key.
// Changed on purpose (issue #13): reviewers act with --key (their key file), not a token.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appTokens } from '../../src/server/alerting.js';
import { Appender } from '../../src/log/appender.js';
import { jsonOf, runCli } from '../helpers/cli.js';
import { governedDir, type GovDir } from '../governance/fixture.js';
import '../../src/alert/entries.js';

describe('ilog reviewer / ilog alerts / ilog app', { timeout: 300_000 }, () => {
  let g: GovDir;
  let dir: string;
  const keyOf = (n: string) => join(dir, '..', `${n}.reviewer`);
  beforeAll(async () => {
    g = await governedDir(1, 1);
    dir = g.dir;
    const hook = (n: string) => ({ slack: `http://127.0.0.1:9/${n}` });
    writeFileSync(join(dir, 'alerts.json'), JSON.stringify({ reviewers: { alice: hook('a'), bob: hook('b'), carol: hook('c') }, groups: { g: { members: ['alice', 'bob', 'carol'] } }, fallback: 'g' }));
  });
  afterAll(() => g.cleanup());

  it('issues app tokens once and keeps hashes', async () => {
    const app = await runCli(['app', 'add', 'billing', '--json'], { dir });
    expect(app.code).toBe(0);
    expect(appTokens(dir).verify(jsonOf(app).token)).toBe('billing');
  });

  it('keygen writes a 0600 private file and a public file; only registered keys can review; the subject is told nothing', async () => {
    const made = await Promise.all(['alice', 'carol', 'bob'].map((n) => runCli(['reviewer', 'keygen', n, '--out', keyOf(n), '--json'])));
    for (const m of made) expect(m.code, m.stderr).toBe(0);
    expect(jsonOf(made[0]!)).toMatchObject({ reviewer: 'alice', vkey: expect.stringMatching(/^alice\+/), recipient: expect.stringMatching(/^age1/) });
    expect(statSync(keyOf('alice')).mode & 0o777).toBe(0o600);
    const pub = JSON.parse(readFileSync(`${keyOf('alice')}.pub.json`, 'utf8'));
    expect(Object.keys(pub).sort()).toEqual(['recipient', 'reviewer', 'vkey']);
    expect(readFileSync(keyOf('alice'), 'utf8')).toMatch(/PRIVATE\+KEY\+alice\+[\s\S]*AGE-SECRET-KEY-1/);

    const log = await Appender.open(dir);
    const id = await log.append({
      v: 1, kind: 'alert.raised', time: new Date().toISOString(), finding: 'cli-1', rule: 'watchlist', subject: 'carol', alsoConcerns: [],
      severity: 'high', score: 90, reasons: ['looked up a VIP'], entries: [], group: 'g', route: 'rule', recipients: ['alice', 'bob'],
    });
    await log.close();

    // Not registered yet: the key file alone gives no authority.
    const early = await runCli(['alerts', 'close', String(id), '--json', '--key', keyOf('alice')], { dir });
    expect(jsonOf(early).error.code).toBe('REVIEWER_KEY_UNKNOWN');
    for (const n of ['alice', 'carol']) {
      const r = await runCli(['propose', 'reviewer.key', n, `${keyOf(n)}.pub.json`, '--key', g.keyFiles[0]!, '--json'], { dir });
      expect(r.code, r.stderr).toBe(0);
      expect(jsonOf(r)).toMatchObject({ status: 'applied' });
    }
    const policy = jsonOf(await runCli(['policy', 'show', '--json'], { dir })).policy;
    expect(policy.reviewers.map((r: { reviewer: string; vkey: string }) => [r.reviewer, r.vkey])).toEqual([['alice', pub.vkey], ['carol', jsonOf(made[1]!).vkey]]);

    const none = await runCli(['alerts', 'close', String(id), '--json'], { dir });
    expect(jsonOf(none).error.code).toBe('UNAUTHORIZED');
    // The subject: the same answer as for an alert that does not exist.
    const subject = await runCli(['alerts', 'close', String(id), '--json', '--key', keyOf('carol')], { dir });
    const missing = await runCli(['alerts', 'close', '99999', '--json', '--key', keyOf('carol')], { dir });
    expect(jsonOf(subject).error.code).toBe('ALERT_NOT_FOUND');
    expect(jsonOf(missing).error.code).toBe('ALERT_NOT_FOUND');
    const carolList = await runCli(['alerts', 'list', '--key', keyOf('carol')], { dir });
    expect(carolList.stdout).toMatch(/^\(no alerts for you to review/);

    const first = await runCli(['alerts', 'close', String(id), '--json', '--resolution', 'talked to carol'], { dir, env: { ILOG_REVIEWER_KEY: keyOf('alice') } });
    expect(first.code, first.stderr).toBe(0);
    expect(jsonOf(first).alert).toMatchObject({ state: 'open', closes: [{ by: 'alice', text: 'talked to carol', signer: pub.vkey }] });
    const list = await runCli(['alerts', 'list', '--json', '--state', 'open', '--key', keyOf('alice')], { dir });
    expect(jsonOf(list).alerts.map((a: { id: number }) => a.id)).toEqual([id]);
    // bob has a key file but the quorum never registered it: a high alert stays open.
    const bob = await runCli(['alerts', 'close', String(id), '--json', '--key', keyOf('bob')], { dir });
    expect(jsonOf(bob).error.code).toBe('REVIEWER_KEY_UNKNOWN');
    const bad = await runCli(['alerts', 'suppress', '--subject', 'x', '--for', 'forever', '--reason', 'r', '--key', keyOf('alice')], { dir });
    expect(bad.code).toBe(2);
  });
});

// `ilog serve` adds the application capture API when the data directory has
// apps.json (and no alerts.json): POST /v1/access works with an app token and
// the entry is in the log; the alerts API is not served. (With alerts.json the
// full alerting is served: see demo.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonOf, runCli, startServe } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ilog-serve-wiring-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.admin.key`, { force: true });
});

describe('ilog serve wiring', () => {
  it('serves POST /v1/access when only apps.json exists', async () => {
    expect((await runCli(['init', '--dir', dir, '--origin', 'example.com/wiring'])).code).toBe(0);
    const plain = await startServe({ dir });
    try {
      expect((await fetch(`${plain.url}/v1/access`, { method: 'POST' })).status).toBe(404);
      expect(jsonOf({ code: 0, stdout: plain.output().stdout, stderr: '' })).toMatchObject({ alerting: false, appApi: false });
    } finally {
      expect(await plain.stop()).toBe(0);
    }

    const added = await runCli(['app', 'add', 'crm', '--dir', dir, '--json']);
    expect(added.code, added.stderr).toBe(0);
    const token = JSON.stringify(jsonOf(added)).match(/ilog_app_[A-Za-z0-9_-]+/)![0];
    const serve = await startServe({ dir });
    try {
      expect(jsonOf({ code: 0, stdout: serve.output().stdout, stderr: '' })).toMatchObject({ alerting: false, appApi: true });
      const res = await fetch(`${serve.url}/v1/access`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ actor: 'agent.smith', action: 'view', resource: { type: 'customer', id: '42' }, purpose: 'ticket 7' }),
      });
      expect(res.status).toBe(201);
      const { index } = (await res.json()) as { index: number };
      expect((await fetch(`${serve.url}/v1/access`, { method: 'POST', headers: { authorization: 'Bearer ilog_app_wrong' } })).status).toBe(401);
      expect((await fetch(`${serve.url}/v1/alerts`)).status).toBe(404);
      const tail = jsonOf(await runCli(['tail', '--dir', dir, '--json', '-n', '1']));
      expect(tail.entries).toEqual([{ index, entry: expect.objectContaining({ kind: 'access', source: 'app:crm', person: 'agent.smith' }) }]);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 120_000);
});

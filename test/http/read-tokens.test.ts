// Read tokens: `ilog serve` beyond loopback refuses anonymous reads; a read
// token reads everything, a witness (checkpoint) token only /checkpoint; the
// log client and the mirrors' source pass $ILOG_READ_TOKEN / readToken.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLogService } from '../../src/server/serve.js';
import { LogClient } from '../../src/log/log-client.js';
import { readTokenStore } from '../../src/http/log-read-auth.js';
import { initLog } from '../../src/log/appender-init.js';
import { HttpTlogSource } from '../../src/witness/tlog-source.js';
import { removeDir, tempDir } from '../verify/build-log.js';

const work = tempDir('ilog-read-');
afterAll(() => removeDir(work));

describe('read tokens', { timeout: 120_000 }, () => {
  it('are required beyond loopback; scoped tokens read what they may', async () => {
    const dir = join(work, 'log');
    await initLog(dir, { origin: 'test.example/read' });
    const mirror = readTokenStore(dir, 'all').add('mirror1');
    const witness = readTokenStore(dir, 'checkpoints').add('witness1');
    const running = await startLogService(dir, '0.0.0.0:0');
    try {
      expect(running.features.readTokens).toBe(true);
      const base = running.url.replace('0.0.0.0', '127.0.0.1');
      const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      const anon = await get('/checkpoint');
      expect(anon.status).toBe(401);
      expect(await anon.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect((await get('/tile/entries/000.p/1')).status).toBe(401);
      expect((await get('/checkpoint', 'ilog_read_' + 'x'.repeat(43))).status).toBe(401);
      expect((await get('/checkpoint', witness)).status).toBe(200);
      const denied = await get('/tile/entries/000.p/1', witness);
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ error: { code: 'NOT_ALLOWED' } });
      expect((await get('/tile/entries/000.p/1', mirror)).status).toBe(200);
      expect((await get('/health')).status).toBe(200);
      // Clients pass the token.
      await expect(new LogClient(base).checkpoint()).rejects.toMatchObject({ code: 'FETCH_FAILED', evidence: { status: 401 } });
      expect(await new LogClient(base, { readToken: mirror }).checkpoint()).toContain('test.example/read');
      const source = new HttpTlogSource(base, { readToken: mirror });
      expect(await source.checkpoint()).toContain('test.example/read');
    } finally {
      await running.stop();
    }
  });

  it('stay optional on loopback unless asked for', async () => {
    const dir = join(work, 'loop');
    await initLog(dir, { origin: 'test.example/loop' });
    const open = await startLogService(dir, '127.0.0.1:0');
    try {
      expect((await fetch(`${open.url}/checkpoint`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    const closed = await startLogService(dir, '127.0.0.1:0', { readTokens: true });
    try {
      expect((await fetch(`${closed.url}/checkpoint`)).status).toBe(401);
    } finally {
      await closed.stop();
    }
  });
});

// Structured logs: JSON lines with level, time, component and request ids from
// `ilog serve` (pino, fastify's own logger); secrets (write token, bearer tokens,
// passwords in URLs, private keys) never reach the output; --log-format pretty.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, scrub } from '../../src/export/logger.js';
import { runCli, startServe } from '../helpers/cli.js';

function collector(): { out: Writable; text: () => string } {
  let text = '';
  return {
    out: new Writable({
      write(c: Buffer, _e, done) {
        text += c.toString('utf8');
        done();
      },
    }),
    text: () => text,
  };
}

describe('logger', () => {
  it('writes JSON lines with level, time and component, and never a secret', () => {
    const c = collector();
    const log = createLogger({ component: 'unit', out: c.out, secrets: ['s3cr3t-known-value'] });
    log.info({ password: 'hunter2-field', nested: { token: 'tok-field-value', key: 'PRIVATE+KEY+x+1+abc' }, req: { headers: { authorization: 'Bearer abcdef123456' } } }, 'connecting to postgres://app:pa55word@db:5432/x with ilog_app_AAAABBBBCCCCDDDD and s3cr3t-known-value');
    log.child({ component: 'proxy' }).warn('upstream unreachable');
    log.debug('not shown at info');
    const lines = c.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', component: 'unit', password: '[REDACTED]', nested: { token: '[REDACTED]', key: '[REDACTED]' } });
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lines[1]).toMatchObject({ level: 'warn', component: 'proxy', msg: 'upstream unreachable' });
    for (const secret of ['hunter2-field', 'tok-field-value', 'PRIVATE+KEY', 'abcdef123456', 'pa55word', 'ilog_app_AAAABBBBCCCCDDDD', 's3cr3t-known-value']) expect(c.text()).not.toContain(secret);
    expect(lines[0]!.msg).toBe('connecting to postgres://app:[REDACTED]@db:5432/x with [REDACTED] and [REDACTED]');
  });

  it('scrub leaves ordinary text alone', () => {
    expect(scrub('GET /checkpoint?size=5 200 https://example.com/a')).toBe('GET /checkpoint?size=5 200 https://example.com/a');
    expect(scrub('GET /tile?token=abc&x=1')).toBe('GET /tile?token=[REDACTED]&x=1');
  });

  it('pretty format renders for a terminal, still scrubbed', () => {
    const c = collector();
    createLogger({ component: 'unit', format: 'pretty', out: c.out }).info('login with Bearer zzzzyyyyxxxx');
    expect(c.text()).toContain('INFO');
    expect(c.text()).toContain('login with Bearer [REDACTED]');
    expect(() => JSON.parse(c.text())).toThrow();
  });
});

describe('ilog serve logs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-logs-'));
    expect((await runCli(['init', '--origin', 'test.example/logs'], { dir })).code).toBe(0);
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}.admin.key`, { force: true });
  });

  it('every request is a JSON line with a request id and component; the write token never appears', async () => {
    const token = readFileSync(join(dir, 'token'), 'utf8').trim();
    const serve = await startServe({ dir });
    try {
      const add = await fetch(`${serve.url}/add`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ v: 1, kind: 'access', time: new Date().toISOString(), source: 'app:t', person: 'p', action: 'view' }) });
      expect(add.status).toBe(200);
      expect((await fetch(`${serve.url}/checkpoint?token=${encodeURIComponent(token)}`)).status).toBe(200);
      expect((await fetch(`${serve.url}/add`, { method: 'POST', headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    const stderr = serve.output().stderr;
    expect(stderr).not.toContain(token);
    const records = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
    const requests = records.filter((r) => r.msg === 'incoming request');
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const r of requests) expect(r).toMatchObject({ level: 'info', component: 'http', reqId: expect.any(String) });
    const done = records.filter((r) => r.msg === 'request completed');
    expect(new Set(done.map((r) => r.reqId)).size).toBe(done.length); // one id per request
    expect(done.map((r) => r.res.statusCode)).toEqual(expect.arrayContaining([200, 401]));
    expect(JSON.stringify(requests)).toContain('token=[REDACTED]');
  }, 120_000);

  it('--log-format pretty prints human lines', async () => {
    const serve = await startServe({ dir, args: ['--log-format', 'pretty'] });
    try {
      await fetch(`${serve.url}/checkpoint`);
    } finally {
      await serve.stop();
    }
    expect(serve.output().stderr).toMatch(/INFO.*incoming request/);
  }, 120_000);

  it('refuses an unknown --log-format with a usage error', async () => {
    const r = await runCli(['serve', '--listen', '127.0.0.1:0', '--log-format', 'xml'], { dir });
    expect(r.code).toBe(2);
  }, 60_000);
});

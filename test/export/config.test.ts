// One config file for serve and proxy: YAML or JSON, validated with the zod
// schema, errors naming the field, ILOG_* environment overrides, passwords from
// files or the environment; the proxy warns when --upstream carries a password.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, resolveSecret } from '../../src/cli/config-file.js';
import { IlogError } from '../../src/ledger/errors.js';
import { runCli, startServe } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ilog-config-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (dir) rmSync(`${dir}.admin.key`, { force: true });
});

function codeAndField(fn: () => unknown): { code: string; field: unknown } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(IlogError);
    return { code: (e as IlogError).code, field: (e as IlogError).evidence?.field };
  }
  throw new Error('expected an error');
}

describe('config file', () => {
  it('reads YAML and JSON, lets the environment override, and names the bad field', () => {
    const yml = join(dir, 'ilog.yaml');
    writeFileSync(yml, 'log:\n  format: pretty\nserve:\n  listen: 127.0.0.1:7500\nproxy:\n  upstream: postgres://ilog@db:5432/app\n  upstreamPassword: { env: PG_PW }\n  roles:\n    app_ro: { file: ' + join(dir, 'ro.pw') + ' }\n');
    expect(loadConfig(yml, {})).toEqual({ log: { format: 'pretty' }, serve: { listen: '127.0.0.1:7500' }, proxy: { upstream: 'postgres://ilog@db:5432/app', upstreamPassword: { env: 'PG_PW' }, roles: { app_ro: { file: join(dir, 'ro.pw') } } } });
    expect(loadConfig(yml, { ILOG_SERVE_LISTEN: '0.0.0.0:80', ILOG_PROXY_LOG_TIMEOUT_MS: '500' })).toMatchObject({ serve: { listen: '0.0.0.0:80' }, proxy: { logTimeoutMs: 500 } });
    const json = join(dir, 'ilog.json');
    writeFileSync(json, JSON.stringify({ metrics: { listen: '127.0.0.1:9464' } }));
    expect(loadConfig(json, {})).toEqual({ metrics: { listen: '127.0.0.1:9464' } });
    // The proxy's first config form (its fields at the top) still reads.
    writeFileSync(json, JSON.stringify({ roles: { r: 'pw' }, listen: '127.0.0.1:6500' }));
    expect(loadConfig(json, {})).toEqual({ proxy: { roles: { r: 'pw' }, listen: '127.0.0.1:6500' } });

    writeFileSync(yml, 'serve:\n  listen: 7400\n');
    expect(codeAndField(() => loadConfig(yml, {}))).toEqual({ code: 'BAD_CONFIG', field: 'serve.listen' });
    writeFileSync(yml, 'proxy:\n  roles:\n    app: { file: 1 }\n');
    expect(codeAndField(() => loadConfig(yml, {})).code).toBe('BAD_CONFIG');
    writeFileSync(yml, 'serve:\n  listen: 127.0.0.1:1\n  colour: red\n');
    expect(codeAndField(() => loadConfig(yml, {}))).toEqual({ code: 'BAD_CONFIG', field: 'serve.colour' });
    expect(codeAndField(() => loadConfig(undefined, { ILOG_LOG_LEVEL: 'loud' }))).toEqual({ code: 'BAD_CONFIG', field: 'log.level' });
    writeFileSync(yml, 'a: [unclosed\n');
    expect(codeAndField(() => loadConfig(yml, {})).code).toBe('BAD_CONFIG');
    expect(codeAndField(() => loadConfig(join(dir, 'missing.yaml'), {})).code).toBe('CONFIG_MISSING');
  });

  it('resolves passwords from files and the environment', () => {
    writeFileSync(join(dir, 'ro.pw'), 'from-a-file\n');
    expect(resolveSecret({ file: join(dir, 'ro.pw') }, 'proxy.roles.app_ro', {})).toBe('from-a-file');
    expect(resolveSecret({ env: 'PG_PW' }, 'proxy.upstreamPassword', { PG_PW: 'from-env' })).toBe('from-env');
    expect(codeAndField(() => resolveSecret({ env: 'NOPE' }, 'proxy.upstreamPassword', {}))).toEqual({ code: 'BAD_CONFIG', field: 'proxy.upstreamPassword' });
  });
});

describe('the commands read it', () => {
  it('ilog serve takes listen and log format from the file; a bad file names the field', async () => {
    expect((await runCli(['init', '--origin', 'test.example/config'], { dir })).code).toBe(0);
    const cfg = join(dir, 'serve.yaml');
    writeFileSync(cfg, 'log:\n  level: warn\nmetrics:\n  listen: 127.0.0.1:0\n');
    const serve = await startServe({ dir, args: ['--config', cfg] });
    try {
      const out = JSON.parse(serve.output().stdout.trim().split('\n')[0]!) as { url: string; metrics: string };
      expect(out.metrics).not.toBe(`${out.url}/metrics`); // moved to its own port by the file
      expect((await fetch(out.metrics)).status).toBe(200);
      await fetch(`${serve.url}/checkpoint`);
    } finally {
      await serve.stop();
    }
    expect(serve.output().stderr).not.toContain('incoming request'); // level warn from the file
    writeFileSync(cfg, 'serve:\n  readTokens: "yes"\n');
    const bad = await runCli(['serve', '--config', cfg, '--json'], { dir });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout.trim()).error).toMatchObject({ code: 'BAD_CONFIG', evidence: { field: 'serve.readTokens' } });
  }, 180_000);

  it('ilog proxy warns (JSON log line) when --upstream carries a password, and never prints it', async () => {
    const proxy = await startServe({ dir, command: 'proxy', args: ['--upstream', 'postgres://postgres:Top-Secret-Pw@127.0.0.1:1/postgres'] });
    try {
      // The warning is written before the proxy listens.
      const lines = proxy
        .output()
        .stderr.split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', component: 'config', field: 'upstream' }));
    } finally {
      await proxy.stop();
    }
    expect(proxy.output().stderr + proxy.output().stdout).not.toContain('Top-Secret-Pw');
  }, 180_000);

  it('ilog proxy --no-metrics runs without metrics, and refuses --metrics-listen beside it', async () => {
    const both = await runCli(['proxy', '--dir', dir, '--upstream', 'postgres://postgres@127.0.0.1:1/postgres', '--no-metrics', '--metrics-listen', '127.0.0.1:0']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('USAGE');
    const proxy = await startServe({ dir, command: 'proxy', args: ['--upstream', 'postgres://postgres@127.0.0.1:1/postgres', '--no-metrics'] });
    try {
      expect(proxy.output().stdout).toContain('"url"'); // listening, with no metrics URL to offer
      expect(proxy.output().stdout).not.toContain('/metrics');
    } finally {
      await proxy.stop();
    }
  }, 180_000);
});

// GET /openapi.json: one OpenAPI 3.1 document for every HTTP API, validated by
// @seriousme/openapi-schema-validator; every route the server registered (log,
// app, alerts, operations) is in it; request bodies are the routes' own zod schemas.
import { Validator } from '@seriousme/openapi-schema-validator';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogService, type RunningLog } from '../../src/server/serve.js';
import { writeDemoAlertConfig } from '../../src/server/demo/config-files.js';
import { suppressBody } from '../../src/http/alerts-routes.js';
import { openApiPath, registeredRoutes } from '../../src/http/openapi.js';
import { runCli } from '../helpers/cli.js';

describe('OpenAPI document', () => {
  let dir: string;
  let running: RunningLog;
  let doc: Record<string, any>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilog-openapi-'));
    expect((await runCli(['init', '--origin', 'test.example/openapi'], { dir })).code).toBe(0);
    writeDemoAlertConfig(dir, (v) => createHmac('sha256', 'k').update(v).digest('hex'));
    running = await startLogService(dir, '127.0.0.1:0');
    const res = await fetch(`${running.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Record<string, any>;
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (dir) rmSync(`${dir}.admin.key`, { force: true });
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const r = await validator.validate(doc);
    expect(r.errors ?? []).toEqual([]);
    expect(r.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator is not a formality: a broken document fails.
    expect((await new Validator().validate({ ...doc, paths: { '/x': { get: { responses: 'none' } } } })).valid).toBe(false);
  });

  it('names every route the server registered', () => {
    const routes = registeredRoutes(running.app);
    expect(routes.length).toBeGreaterThanOrEqual(18);
    const urls = routes.map((r) => r.url);
    for (const u of ['/add', '/v1/access', '/v1/alerts/:id/ack', '/metrics', '/readyz', '/tile/*']) expect(urls).toContain(u);
    const missing = routes.filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('request bodies are the schemas the routes validate with', async () => {
    const sch = doc.paths['/v1/alerts/suppressions'].post.requestBody.content['application/json'].schema;
    expect(sch).toEqual(Object.fromEntries(Object.entries(z.toJSONSchema(suppressBody, { io: 'input' })).filter(([k]) => k !== '$schema')));
    expect(sch.required).toEqual(['time', 'until', 'reason', 'signature']);
    expect(sch.additionalProperties).toBe(false);
    expect(doc.paths['/v1/access'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('action');
    expect(doc.components.schemas.AccessEntry.required).toEqual(expect.arrayContaining(['person', 'action', 'source']));
  });
});

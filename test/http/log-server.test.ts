// The log service's HTTP API on a real socket: C2SP tlog-tiles reads, proofs,
// authenticated writes, and JSON errors for everything a client can get wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/ledger/bytes.js';
import { parseCheckpoint } from '../../src/ledger/checkpoint.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { leafHash } from '../../src/ledger/hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/ledger/merkle.js';
import { openNote, verifierFromKey } from '../../src/ledger/note.js';
import { TileBuilder } from '../../src/ledger/tile-builder.js';
import { decodeBundle } from '../../src/ledger/tiles.js';
import { Appender } from '../../src/log/appender.js';
import { createLogServer, listen } from '../../src/http/log-server.js';
import { accessEntry, buildLog, removeDir } from '../verify/build-log.js';
import { readAllEntries } from '../verify/tamper.js';

let dir: string;
let appender: Appender;
let app: FastifyInstance;
let url: string;
let token: string;
let vkey: string;

beforeAll(async () => {
  dir = await buildLog(300, 2); // 301 entries: tile 0 full, tile 1 partial (45)
  token = readFileSync(join(dir, 'token'), 'utf8').trim();
  vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  appender = await Appender.open(dir);
  app = await createLogServer({ storage: appender.storage, writer: appender, token, limits: { maxBodyBytes: 256 * 1024 } });
  url = await listen(app, '127.0.0.1', 0);
});

afterAll(async () => {
  await app?.close();
  await appender?.close();
  removeDir(join(dir, '..'));
});

const get = (path: string): Promise<Response> => fetch(`${url}${path}`);
const post = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers } });

async function published(): Promise<{ size: number; root: Uint8Array; note: string }> {
  const note = await (await get('/checkpoint')).text();
  const cp = parseCheckpoint(openNote(note, [verifierFromKey(vkey)]).text);
  return { size: cp.size, root: cp.root, note };
}

async function expectError(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

describe('read API (tlog-tiles)', () => {
  it('serves the signed checkpoint as text, not cached', async () => {
    const res = await get('/checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const { size } = await published();
    expect(size).toBeGreaterThanOrEqual(301);
  });

  it('serves tiles and bundles byte-identical to what the ledger computes, with cache headers', async () => {
    const { size } = await published();
    const entries = readAllEntries(dir).slice(0, size);
    const built = TileBuilder.empty().append(entries.map((e) => leafHash(e)));
    const full = built.tiles.find((t) => t.level === 0 && t.index === 0 && t.width === 256)!;

    const t0 = await get('/tile/0/000');
    expect(t0.status).toBe(200);
    expect(t0.headers.get('content-type')).toBe('application/octet-stream');
    expect(t0.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await t0.arrayBuffer()).equals(Buffer.from(full.data))).toBe(true);

    const w = size % 256;
    const partial = await get(`/tile/0/001.p/${w}`);
    expect(partial.status).toBe(200);
    expect(partial.headers.get('cache-control')).not.toContain('immutable');
    const lastTile = built.tiles.filter((t) => t.level === 0 && t.index === 1).pop()!;
    expect(Buffer.from(await partial.arrayBuffer()).equals(Buffer.from(lastTile.data))).toBe(true);

    const bundle = await get('/tile/entries/000');
    expect(bundle.status).toBe(200);
    const decoded = decodeBundle(new Uint8Array(await bundle.arrayBuffer()), 256);
    expect(Buffer.from(decoded[7]!).equals(entries[7]!)).toBe(true);

    const upper = await get(`/tile/1/000.p/1`);
    expect(upper.status).toBe(200);
    expect((await upper.arrayBuffer()).byteLength).toBe(32);
  });

  it('404s tiles beyond the published tree, 400s malformed paths', async () => {
    const { size } = await published();
    await expectError(await get('/tile/0/001'), 404, 'TILE_MISSING'); // tile 1 is partial
    await expectError(await get(`/tile/0/001.p/${(size % 256) + 1}`), 404, 'TILE_MISSING');
    await expectError(await get('/tile/entries/x001/000'), 404, 'TILE_MISSING');
    await expectError(await get('/tile/0/1'), 400, 'BAD_TILE_PATH');
    await expectError(await get('/tile/0/000.p/256'), 400, 'BAD_TILE_PATH');
    await expectError(await get('/tile/99/000'), 400, 'BAD_TILE_PATH');
    await expectError(await get('/nope'), 404, 'NOT_FOUND');
  });

  it('serves proofs that verify against the checkpoint', async () => {
    const { size, root } = await published();
    const entries = readAllEntries(dir);
    const inc = (await (await get(`/proof/inclusion?index=5&size=${size}`)).json()) as { proof: string[] };
    verifyInclusion(5, size, leafHash(entries[5]!), inc.proof.map((p) => fromBase64(p)), root);

    const oldRoot = TileBuilder.empty().append(entries.slice(0, 100).map((e) => leafHash(e))).root;
    const con = (await (await get(`/proof/consistency?old=100&new=${size}`)).json()) as { proof: string[] };
    verifyConsistency(100, size, con.proof.map((p) => fromBase64(p)), oldRoot, root);

    await expectError(await get('/proof/inclusion?index=abc'), 400, 'BAD_PARAMETER');
    await expectError(await get(`/proof/inclusion?index=${size}&size=${size}`), 400, 'INDEX_OUT_OF_RANGE');
    await expectError(await get(`/proof/consistency?old=1&new=${size + 1000}`), 400, 'BAD_TREE_SIZE');
  });

  it('reports health as JSON', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, origin: 'test.example/verify' });
    expect(body.sequenced as number).toBeGreaterThanOrEqual(301);
  });
});

describe('write API (POST /add)', () => {
  it('appends one entry and returns its index', async () => {
    const res = await post('/add', JSON.stringify(accessEntry(1000)));
    expect(res.status).toBe(200);
    const { index } = (await res.json()) as { index: number };
    expect(index).toBeGreaterThanOrEqual(301);
    expect(Buffer.from(appender.storage.readEntries(index, index + 1)[0]!).equals(Buffer.from(encodeEntry(accessEntry(1000))))).toBe(true);
  });

  it('appends a JSON-lines batch and, with wait=integrated, returns a checkpoint and proofs', async () => {
    const body = [accessEntry(2000), accessEntry(2001), accessEntry(2002)].map((e) => JSON.stringify(e)).join('\n') + '\n';
    const res = await post('/add?wait=integrated', body, { 'content-type': 'application/x-ndjson' });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { indexes: number[]; checkpoint: string; proofs: string[][] };
    expect(r.indexes).toHaveLength(3);
    expect(r.indexes[1]).toBe(r.indexes[0]! + 1);
    const cp = parseCheckpoint(openNote(r.checkpoint, [verifierFromKey(vkey)]).text);
    r.indexes.forEach((index, i) => {
      const leaf = leafHash(encodeEntry(accessEntry(2000 + i)));
      verifyInclusion(index, cp.size, leaf, r.proofs[i]!.map((p) => fromBase64(p)), cp.root);
    });
  });

  it('returns a checkpoint and inclusion proof for one entry with wait=integrated', async () => {
    const res = await post('/add?wait=integrated', JSON.stringify(accessEntry(3000)));
    const r = (await res.json()) as { index: number; checkpoint: string; proof: string[] };
    const cp = parseCheckpoint(openNote(r.checkpoint, [verifierFromKey(vkey)]).text);
    verifyInclusion(r.index, cp.size, leafHash(encodeEntry(accessEntry(3000))), r.proof.map((p) => fromBase64(p)), cp.root);
  });

  it('401s without a token or with a wrong one, and appends nothing', async () => {
    const before = appender.storage.size();
    await expectError(await fetch(`${url}/add`, { method: 'POST', body: JSON.stringify(accessEntry(1)), headers: { 'content-type': 'application/json' } }), 401, 'UNAUTHORIZED');
    await expectError(await post('/add', JSON.stringify(accessEntry(1)), { authorization: `Bearer ${token}x` }), 401, 'UNAUTHORIZED');
    await expectError(await post('/add', JSON.stringify(accessEntry(1)), { authorization: `Basic ${token}` }), 401, 'UNAUTHORIZED');
    expect(appender.storage.size()).toBe(before);
  });

  it('400s a bad entry naming the field, and a bad batch line naming the line; nothing is appended', async () => {
    const before = appender.storage.size();
    const e1 = await expectError(await post('/add', JSON.stringify({ ...accessEntry(1), action: 'NOT A VERB' })), 400, 'INVALID_ENTRY');
    expect(e1.field).toBe('action');
    const lines = [JSON.stringify(accessEntry(1)), JSON.stringify({ ...accessEntry(2), time: 'yesterday' })].join('\n');
    const e2 = await expectError(await post('/add', lines, { 'content-type': 'application/x-ndjson' }), 400, 'INVALID_ENTRY');
    expect(e2).toMatchObject({ field: 'time', line: 2 });
    await expectError(await post('/add', '{"v":1,'), 400, 'BAD_JSON');
    await expectError(await post('/add', '[1,2]'), 400, 'INVALID_ENTRY');
    await expectError(await post('/add', 'x', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectError(await post('/add?wait=soon', JSON.stringify(accessEntry(1))), 400, 'BAD_PARAMETER');
    expect(appender.storage.size()).toBe(before);
  });

  it('400s a body or batch line that names a field twice (no last-one-wins); nothing is appended', async () => {
    const before = appender.storage.size();
    const one = JSON.stringify(accessEntry(1));
    const twice = one.replace('{', '{"kind":"lockdown.set",');
    expect(await expectError(await post('/add', twice), 400, 'DUPLICATE_KEY')).toMatchObject({ field: 'kind' });
    // Escapes do not hide a duplicate, nested objects are checked too.
    await expectError(await post('/add', one.replace('{', '{"\\u006bind":"lockdown.set",')), 400, 'DUPLICATE_KEY');
    const nested = one.replace('"resource":{', '"resource":{"type":"patient",');
    expect(nested).not.toBe(one);
    expect(await expectError(await post('/add', nested), 400, 'DUPLICATE_KEY')).toMatchObject({ field: 'resource.type' });
    const e = await expectError(await post('/add', [one, twice].join('\n'), { 'content-type': 'application/x-ndjson' }), 400, 'DUPLICATE_KEY');
    expect(e).toMatchObject({ line: 2 });
    expect(appender.storage.size()).toBe(before);
  });

  it('403s kinds that carry authority unless signed: the write token is not an admin key', async () => {
    const before = appender.storage.size();
    const time = new Date().toISOString();
    const forged = [
      { v: 1, kind: 'lockdown.set', time, reason: 'x' },
      { v: 1, kind: 'lock.lifted', time, person: 'bob' },
      { v: 1, kind: 'lock.set', time, person: 'bob' },
      { v: 1, kind: 'genesis', time, origin: 'evil.example/log', logKey: vkey },
      { v: 1, kind: 'user.added', time, person: 'ghost', role: 'app_ro', verifierSha256: 'a'.repeat(64) },
      { v: 1, kind: 'alert.closed', time, alert: 'x' },
      // Reviews in a reviewer's name, even carrying a signature, come only through the alert API (which checks it).
      { v: 1, kind: 'alert.closed', time, alert: 3, by: 'dana', signature: { signer: vkey, sig: 'AAAA' } },
      { v: 1, kind: 'alert.ack', time, alert: 3, by: 'erik', signature: { signer: vkey, sig: 'AAAA' } },
      { v: 1, kind: 'alert.suppressed', time, match: { rule: 'watchlist' }, until: time, by: 'dana', reason: 'r', signature: { signer: vkey, sig: 'AAAA' } },
      { v: 1, kind: 'alert.comment', time, alert: 3, by: 'dana', text: 't', signature: { signer: vkey, sig: 'AAAA' } },
      { v: 1, kind: 'alert.escalate', time, alert: 3, by: 'dana', signature: { signer: vkey, sig: 'AAAA' } },
      { v: 1, kind: 'alert.raised', time },
      { v: 1, kind: 'bypass.detected', time },
      { v: 1, kind: 'node.started', time },
      // A forged proxy entry would let the reconciler count a direct statement as proxied.
      { ...accessEntry(1), source: 'pg-proxy' },
      { v: 1, kind: 'access.objects', time, access: 1, server: 'db', objects: ['public.patients'] },
    ];
    for (const e of forged) {
      const err = await expectError(await post('/add', JSON.stringify(e)), 403, 'KIND_NOT_ALLOWED');
      expect(err).toMatchObject({ kind: e.kind, field: 'kind' });
    }
    const batch = [JSON.stringify(accessEntry(1)), JSON.stringify(forged[0])].join('\n');
    expect(await expectError(await post('/add', batch, { 'content-type': 'application/x-ndjson' }), 403, 'KIND_NOT_ALLOWED')).toMatchObject({ line: 2 });
    expect(appender.storage.size()).toBe(before);
  });

  it('413s an oversize entry and an oversize body', async () => {
    const big = { ...accessEntry(1), purpose: 'x'.repeat(70_000) };
    await expectError(await post('/add', JSON.stringify(big)), 413, 'ENTRY_TOO_LARGE');
    const many = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ...accessEntry(i), purpose: 'y'.repeat(200) })).join('\n');
    await expectError(await post('/add', many, { 'content-type': 'application/x-ndjson' }), 413, 'BODY_TOO_LARGE');
  });
});

describe('pushback', () => {
  it('answers 503 with Retry-After when the appender is at capacity', async () => {
    // A second server on the same log whose appender holds one queued entry for a second.
    const busy = await Appender.open(dir, { maxQueuedEntries: 1, batchWindowMs: 1000 });
    const server = await createLogServer({ storage: busy.storage, writer: busy, token });
    const busyUrl = await listen(server, '127.0.0.1', 0);
    try {
      const send = (i: number): Promise<Response> =>
        fetch(`${busyUrl}/add`, { method: 'POST', body: JSON.stringify(accessEntry(i)), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      const first = send(1);
      await new Promise((r) => setTimeout(r, 100));
      const second = await send(2);
      const err = await expectError(second, 503, 'PUSHBACK');
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(err.retryAfterMs).toBeTypeOf('number');
      expect((await first).status).toBe(200);
    } finally {
      await server.close();
      await busy.close();
    }
  });
});

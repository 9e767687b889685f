// ilog verify --url: only the C2SP read API, as an outside tool. A server that
// alters what it serves (a hook rewriting response bytes) is caught, naming the
// index or tile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IlogError } from '../../src/ledger/errors.js';
import { createLogServer, listen } from '../../src/http/log-server.js';
import { verifyLog } from '../../src/log/verify.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { buildLog, removeDir } from './build-log.js';
import { signWithLogKey } from './tamper.js';

let dir: string;
let vkey: string;
let storage: SqliteLogStorage;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  dir = await buildLog(600, 2); // 601 entries
  vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
  storage = SqliteLogStorage.open(dir, { readonly: true });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(() => {
  storage.close();
  removeDir(join(dir, '..'));
});

/** Serves the log read-only; `alter(url, body)` may rewrite any response body. */
async function serve(alter?: (url: string, body: Buffer) => Buffer | string | undefined): Promise<string> {
  app = await createLogServer({
    storage,
    extend: (a) => {
      if (!alter) return;
      a.addHook('onSend', async (req, _reply, payload) => {
        const body = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload));
        return alter(req.url, body) ?? payload;
      });
    },
  });
  return listen(app, '127.0.0.1', 0);
}

const flip = (body: Buffer, offset: number): Buffer => {
  const b = Buffer.from(body);
  b[offset] = b[offset]! ^ 0x01;
  return b;
};

async function failure(url: string): Promise<IlogError> {
  const err = await verifyLog({ source: { kind: 'url', url }, vkey }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IlogError);
  return err as IlogError;
}

describe('verify --url', () => {
  it('passes an honest server and matches the dir result', async () => {
    const url = await serve();
    const r = await verifyLog({ source: { kind: 'url', url }, vkey });
    const local = await verifyLog({ source: { kind: 'dir', dir } });
    expect(r.size).toBe(601);
    expect(r.root).toBe(local.root);
  });

  it('needs the vkey for a URL', async () => {
    const url = await serve();
    await expect(verifyLog({ source: { kind: 'url', url } })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('names the entry when a served bundle is altered', async () => {
    // Bundle 1 holds entries 256..511; byte 2+10 is inside its first entry.
    const url = await serve((u, body) => (u === '/tile/entries/001' ? flip(body, 12) : undefined));
    const err = await failure(url);
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence).toMatchObject({ index: 256, tile: 'tile/0/001', bundle: 'tile/entries/001' });
  });

  it('names a malformed bundle', async () => {
    const url = await serve((u, body) => (u === '/tile/entries/000' ? body.subarray(0, body.byteLength - 3) : undefined));
    const err = await failure(url);
    expect(err.code).toBe('BAD_BUNDLE');
    expect(err.evidence).toMatchObject({ bundle: 'tile/entries/000' });
  });

  it('names the hash when a served tile is altered', async () => {
    const url = await serve((u, body) => (u === '/tile/0/000' ? flip(body, 77 * 32) : undefined));
    const err = await failure(url);
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence).toMatchObject({ index: 77, tile: 'tile/0/000' });
  });

  it('names an altered upper tile', async () => {
    const url = await serve((u, body) => (u === '/tile/1/000.p/2' ? flip(body, 0) : undefined));
    const err = await failure(url);
    expect(err.code).toBe('TILE_MISMATCH');
    expect(err.evidence).toMatchObject({ tile: 'tile/1/000.p/2', position: 0 });
  });

  it('rejects a forged checkpoint signature and a re-signed wrong root', async () => {
    let url = await serve((u, body) => (u === '/checkpoint' ? flip(body, body.byteLength - 10) : undefined));
    expect((await failure(url)).code).toBe('BAD_CHECKPOINT');
    await app!.close();
    url = await serve((u) => (u === '/checkpoint' ? signWithLogKey(dir, 601, new Uint8Array(32).fill(1)) : undefined));
    expect((await failure(url)).code).toBe('ROOT_MISMATCH');
  });

  it('names a tile the server does not serve', async () => {
    app = await createLogServer({
      storage,
      extend: (a) =>
        void a.addHook('onRequest', async (req, reply) => {
          if (req.url === '/tile/0/001') await reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'gone' } });
        }),
    });
    const url = await listen(app, '127.0.0.1', 0);
    const err = await failure(url);
    expect(err.code).toBe('TILE_MISSING');
    expect(err.evidence).toMatchObject({ tile: 'tile/0/001' });
  });
});

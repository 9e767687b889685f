// Fuzzing the proxy's client side with random and mutated protocol messages:
// the proxy never crashes, answers protocol violations with an ErrorResponse
// and closes only that connection, never forwards a statement it did not log,
// and its memory stays bounded. Iterations are bounded and seeded.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacValue } from '../../src/capture/pg/entries.js';
import { cstr, int16, int32, message } from '../../src/capture/pg/protocol/messages.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, waitFor, type ProxyFixture } from './fixture.js';
import { openSocket, rawLogin } from './raw-client.js';

const skip = skipWithoutPg();

/** Deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validBatch(n: number, r: () => number): Buffer {
  const insert = `INSERT INTO canary VALUES (${n})`;
  const bind = (v: string) => message('B', cstr(''), cstr('s'), int16(0), int16(1), int32(Buffer.byteLength(v)), v, int16(0));
  const choices = [
    () => message('Q', cstr(insert)),
    () => Buffer.concat([message('P', cstr('s'), cstr('INSERT INTO canary VALUES ($1)'), int16(0)), bind(String(n)), message('D', 'P', cstr('')), message('E', cstr(''), int32(0)), message('S')]),
    () => Buffer.concat([message('B', cstr(''), cstr('nope'), int16(0), int16(0), int16(0)), message('E', cstr(''), int32(0)), message('S')]),
    () => Buffer.concat([message('E', cstr('ghost'), int32(0)), message('S'), message('Q', cstr(insert))]),
    () => Buffer.concat([message('d', 'x'), message('c'), message('H'), message('C', 'S', cstr('s')), message('S')]),
  ];
  return choices[Math.floor(r() * choices.length)]!();
}

function mutate(buf: Buffer, r: () => number): Buffer {
  const b = Buffer.from(buf);
  switch (Math.floor(r() * 6)) {
    case 0: // flip bytes
      for (let i = 0; i < 1 + r() * 4; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    case 1: // truncate
      return b.subarray(0, Math.floor(r() * b.length));
    case 2: // wrong length field
      if (b.length >= 5) b.writeInt32BE(Math.floor(r() * 2 ** 31) * (r() < 0.5 ? -1 : 1) | 0, 1);
      return b;
    case 3: // unknown type
      b[0] = Math.floor(r() * 256);
      return b;
    case 4: // random junk appended
      return Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)))]);
    default:
      return b;
  }
}

describe.skipIf(skip)('pg proxy fuzz', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql('CREATE TABLE canary (n int)');
    fx = await startProxy(cluster, { maxMessage: 1 << 20 });
    await fx.addUser('fuzz', 'postgres', 'fuzz-pw');
  });
  afterAll(async () => {
    await fx?.close();
    await cluster?.stop();
  });

  it('answers framing violations with 08P01 and closes only that connection', async () => {
    const bystander = new pg.Client(fx.client('fuzz', 'fuzz-pw'));
    await bystander.connect();
    const cases: Buffer[] = [
      Buffer.from([0x51, 0, 0, 0, 2]), // length below 4
      Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]), // 2 GB announced
      message('z', 'hello'), // unknown type
      message('B', Buffer.from([0, 0, 0xff, 0xff])), // truncated Bind body
    ];
    for (const c of cases) {
      const conn = await rawLogin(fx.port, 'fuzz', 'fuzz-pw', '-c ilog.purpose=fuzz');
      conn.socket.write(c);
      await conn.closed;
      expect(conn.received.at(-1)).toEqual({ type: 'E', code: '08P01' });
    }
    expect((await bystander.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await bystander.end();
  });

  it('survives random and mutated traffic; everything that ran was logged first; memory stays bounded', async () => {
    const r = prng(20261127);
    // Before login: random start-up packets.
    for (let i = 0; i < 300; i++) {
      const s = await openSocket(fx.port);
      s.on('error', () => {});
      const len = Math.floor(r() * 40);
      const junk = Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256)));
      if (r() < 0.5 && len >= 8) junk.writeInt32BE(len, 0);
      s.end(junk);
      s.destroy();
    }
    global.gc?.();
    const before = process.memoryUsage().rss;
    let n = 0;
    for (let i = 0; i < 60; i++) {
      const conn = await rawLogin(fx.port, 'fuzz', 'fuzz-pw', '-c ilog.purpose=fuzz');
      for (let j = 0; j < 8 && !conn.isClosed(); j++) {
        const batch = validBatch(++n, r);
        conn.socket.write(r() < 0.5 ? mutate(batch, r) : batch);
        await Promise.race([conn.closed, new Promise((res) => setTimeout(res, 20))]);
      }
      conn.socket.end();
      await conn.closed;
    }
    global.gc?.();
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(256 * 1024 * 1024);
    // Every canary row that reached PostgreSQL has an access entry carrying its value's HMAC.
    await waitFor(() => fx.proxy.sessions === 0);
    const rows = cluster.psql('SELECT n FROM canary').split('\n').filter(Boolean);
    const logged = new Set(fx.log.entries().filter((e) => e.kind === 'access' && e.action === 'insert').flatMap((e) => e.statement.values));
    for (const v of rows) expect(logged.has(hmacValue(fx.hmacKey, v))).toBe(true);
    expect(rows.length).toBeGreaterThan(0);
    // Still serving.
    const c = new pg.Client(fx.client('fuzz', 'fuzz-pw'));
    await c.connect();
    expect((await c.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await c.end();
  });
});

// Fuzzing the proxy's client side with random and mutated protocol messages:
// the proxy never crashes, answers protocol violations with an ErrorResponse
// and closes only that connection, never forwards a statement it did not log,
// and its memory stays bounded. Iterations are bounded and seeded.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacValue } from '../../src/capture/pg/entries.js';
import { cstr, int32, message } from '../../src/capture/pg/protocol/messages.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { startProxy, waitFor, type ProxyFixture } from './fixture.js';
import { canaryRows, junkStartup, mutate, prng, validBatch } from './fuzz-gen.js';
import { openSocket, rawLogin } from './raw-client.js';

const skip = skipWithoutPg();

describe.skipIf(skip)('pg proxy fuzz', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  beforeAll(async () => {
    cluster = await startPgCluster();
    cluster.psql('CREATE TABLE canary (n text)');
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
      s.end(junkStartup(r));
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
    const rows = canaryRows((sql) => cluster.psql(sql));
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

// The overlapped path (issue #11): a statement proven read-only is sent upstream
// while its access entry is being made durable, and its rows are held until it
// is. Checked against a real PostgreSQL with log_statement=all: when the log
// stops accepting after the statement ran upstream, the client gets IL002 and
// not one DataRow; a write is never sent upstream before its entry is durable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cstr, int16, int32, message } from '../../src/capture/pg/protocol/messages.js';
import { IlogError } from '../../src/ledger/errors.js';
import { skipWithoutPg, startPgCluster, type PgCluster } from '../helpers/pg-cluster.js';
import { outcomeOf, startProxy, waitFor, type ProxyFixture } from './fixture.js';
import { rawLogin, type RawConn } from './raw-client.js';

const skip = skipWithoutPg();
const diskFull = (): IlogError => new IlogError('STORAGE_FULL', 'the disk holding log.db is full; free space, then retry');

/** Parse (unnamed) + Bind (text params) + Execute + Sync. */
function extended(sql: string, params: string[], sync = true): Buffer {
  const bind = [cstr(''), cstr(''), int16(0), int16(params.length), ...params.flatMap((p) => [int32(Buffer.byteLength(p)), Buffer.from(p)]), int16(0)];
  return Buffer.concat([message('P', cstr(''), cstr(sql), int16(0)), message('B', ...bind), message('E', cstr(''), int32(0)), ...(sync ? [message('S')] : [])]);
}

describe.skipIf(skip)('pg proxy overlapped reads keep the promise', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let raw: RawConn;
  const serverLog = (): string => readFileSync(join(cluster.socketDir, 'postgres.log'), 'utf8');
  const count = (): number => Number(cluster.psql('SELECT count(*) FROM written'));
  /** Waits for the n-th ReadyForQuery since `from`, returns the frame types in between. */
  const untilReady = async (from: number, n = 1): Promise<{ type: string; code?: string }[]> =>
    (await waitFor(() => {
      const got = raw.received.slice(from);
      return got.filter((f) => f.type === 'Z').length >= n ? got : undefined;
    }))!;

  beforeAll(async () => {
    cluster = await startPgCluster({ pgaudit: false, conf: ['log_statement = all'] });
    cluster.psql('CREATE TABLE held_rows (id int, secret text); INSERT INTO held_rows SELECT g, md5(g::text) FROM generate_series(1, 50) g; CREATE TABLE written (id int)');
    fx = await startProxy(cluster, { logTimeoutMs: 3000 });
    await fx.addUser('olga', 'postgres', 'olga-pw');
  });
  beforeEach(async () => {
    fx.log.commitFault = undefined;
    fx.log.commitGate = undefined;
    raw?.socket.destroy();
    raw = await rawLogin(fx.port, 'olga', 'olga-pw', '-c ilog.purpose=T-11');
  });
  afterAll(async () => {
    raw?.socket.destroy();
    await fx?.close();
    await cluster?.stop();
  });

  it('simple protocol: the log fills up after the SELECT ran upstream → IL002 and no DataRow', async () => {
    fx.log.commitFault = { delayMs: 400, error: diskFull() };
    const from = raw.received.length;
    raw.socket.write(message('Q', cstr('SELECT secret FROM held_rows /* overlap-marker-1 */')));
    // It ran upstream while the commit was still in flight …
    await waitFor(() => serverLog().includes('overlap-marker-1'));
    const got = await untilReady(from);
    // … yet the client sees only the refusal.
    expect(got.filter((f) => f.type === 'D')).toHaveLength(0);
    expect(got.filter((f) => f.type === 'T' || f.type === 'C')).toHaveLength(0);
    expect(got.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(fx.log.entries().some((e) => e.kind === 'access' && e.statement?.text.includes('overlap-marker-1'))).toBe(false);
    // The session goes on once the log is back.
    fx.log.commitFault = undefined;
    const next = raw.received.length;
    raw.socket.write(message('Q', cstr('SELECT secret FROM held_rows WHERE id <= 3')));
    expect((await untilReady(next)).filter((f) => f.type === 'D')).toHaveLength(3);
  });

  it('extended protocol pipeline: a refused overlapped Execute leaks no row and the write after it never runs', async () => {
    fx.log.commitFault = { delayMs: 400, error: diskFull() };
    const from = raw.received.length;
    raw.socket.write(Buffer.concat([extended('SELECT secret FROM held_rows WHERE id > $1 /* overlap-marker-2 */', ['0'], false), extended('INSERT INTO written VALUES ($1)', ['2'])]));
    await waitFor(() => serverLog().includes('overlap-marker-2'));
    const got = await untilReady(from);
    expect(got.filter((f) => f.type === 'D')).toHaveLength(0);
    expect(got.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(got.filter((f) => f.type === 'E')).toHaveLength(1);
    expect(count()).toBe(0);
    expect(serverLog()).not.toMatch(/INSERT INTO written/);
  });

  it('a long answer (over 64 kB) does not wait in memory for its outcome, and still leaks no row when the log fails', async () => {
    // 2,500 rows of two md5 texts (proven read-only: no function call): the entry is appended while the rows arrive, the outcome follows as its own entry.
    let from = raw.received.length;
    raw.socket.write(message('Q', cstr('SELECT a.secret, b.secret FROM held_rows a, held_rows b /* overlap-marker-6 */')));
    expect((await untilReady(from)).filter((f) => f.type === 'D')).toHaveLength(2500);
    const a = fx.log.entries().find((e) => e.kind === 'access' && e.statement?.text.includes('overlap-marker-6'))!;
    expect(a.outcome).toBeUndefined();
    expect(await waitFor(() => fx.log.entries().find((e) => e.kind === 'outcome' && e.access === a.index))).toMatchObject({ status: 'ok', rows: 2500 });
    // The same when the log fills up meanwhile: the refusal, not one row.
    fx.log.commitFault = { delayMs: 400, error: diskFull() };
    from = raw.received.length;
    raw.socket.write(message('Q', cstr('SELECT a.secret, b.secret FROM held_rows a, held_rows b /* overlap-marker-7 */')));
    const got = await untilReady(from);
    expect(got.filter((f) => f.type === 'D')).toHaveLength(0);
    expect(got.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(serverLog()).toMatch(/overlap-marker-7/);
  });

  it('a write is never sent upstream before its entry is durable; a read runs at once but its rows wait', async () => {
    let release!: () => void;
    const c = new pg.Client(fx.client('olga', 'olga-pw', { options: '-c ilog.purpose=T-12' }));
    await c.connect();
    fx.log.commitGate = new Promise((r) => (release = r));
    try {
      const read = c.query('SELECT secret FROM held_rows WHERE id = 7 /* overlap-marker-3 */');
      await waitFor(() => serverLog().includes('overlap-marker-3'));
      const write = (async () => {
        await read; // one statement at a time on a node-postgres client: the write is queued behind the read
        return c.query('INSERT INTO written VALUES (3) /* overlap-marker-4 */');
      })();
      let answered = false;
      void read.then(() => (answered = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false); // rows held: the entry is not durable yet
      release();
      expect((await read).rows).toHaveLength(1);
      // The write's own commit: held again, and PostgreSQL must not have seen it meanwhile.
      let releaseWrite!: () => void;
      fx.log.commitGate = new Promise((r) => (releaseWrite = r));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toMatch(/overlap-marker-4/);
      expect(count()).toBe(0);
      releaseWrite();
      await write;
      expect(count()).toBe(1);
      const entries = fx.log.entries();
      const access = entries.find((e) => e.kind === 'access' && e.statement?.text.includes('overlap-marker-4'));
      expect(access?.action).toBe('insert');
      // Outcomes of overlapped statements name their access entry, once it is known.
      const readAccess = entries.find((e) => e.kind === 'access' && e.statement?.text.includes('overlap-marker-3'))!;
      await waitFor(() => outcomeOf(fx.log.entries(), readAccess.index)?.rows === 1);
    } finally {
      release();
      fx.log.commitGate = undefined;
      await c.end();
    }
  });

  it('with overlapReads off (ilog proxy --no-overlap) a read is not sent upstream before its entry is durable', async () => {
    const strict = await startProxy(cluster, { overlapReads: false });
    await strict.addUser('olga', 'postgres', 'olga-pw');
    const c = new pg.Client(strict.client('olga', 'olga-pw', { options: '-c ilog.purpose=T-13' }));
    await c.connect();
    let release!: () => void;
    strict.log.commitGate = new Promise((r) => (release = r));
    try {
      const read = c.query('SELECT secret FROM held_rows WHERE id = 9 /* overlap-marker-5 */');
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toMatch(/overlap-marker-5/);
      release();
      expect((await read).rows).toHaveLength(1);
      expect(serverLog()).toMatch(/overlap-marker-5/);
    } finally {
      release();
      await c.end();
      await strict.close();
    }
  });
});

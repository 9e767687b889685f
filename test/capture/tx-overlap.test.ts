// Writes inside an explicit transaction (issue #11): INSERT/UPDATE/DELETE run
// upstream while their access entries are being made durable; COMMIT is
// log-first and waits for every entry of the transaction; if the log fails one
// of them, the transaction never commits (the client gets IL002 and only
// ROLLBACK is accepted) and rows of a RETURNING never reach the client.
// Checked against a real PostgreSQL with log_statement=all and a second session.
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

describe.skipIf(skip)('pg proxy: writes inside a transaction overlap the log, COMMIT waits', () => {
  let cluster: PgCluster;
  let fx: ProxyFixture;
  let raw: RawConn;
  const serverLog = (): string => readFileSync(join(cluster.socketDir, 'postgres.log'), 'utf8');
  /** What another session sees: only committed rows. */
  const committed = (): number => Number(cluster.psql('SELECT count(*) FROM tx_written'));
  /** Sends a simple Query and waits for its ReadyForQuery; returns the frames it got. */
  const query = async (sql: string): Promise<RawConn['received']> => {
    const from = raw.received.length;
    raw.socket.write(message('Q', cstr(sql)));
    return (await waitFor(() => {
      const got = raw.received.slice(from);
      return got.some((f) => f.type === 'Z') ? got : undefined;
    }))!;
  };
  const accessOf = (marker: string) => fx.log.entries().find((e) => e.kind === 'access' && String(e.statement?.text).includes(marker));
  /** Closes the gate in front of every log commit; returns its opener. */
  const holdCommits = (): (() => void) => {
    let open!: () => void;
    fx.log.commitGate = new Promise((r) => (open = r));
    return open;
  };

  beforeAll(async () => {
    cluster = await startPgCluster({ pgaudit: false, conf: ['log_statement = all'] });
    cluster.psql('CREATE TABLE tx_written (id int, secret text)');
    fx = await startProxy(cluster, { logTimeoutMs: 5000 });
    await fx.addUser('tina', 'postgres', 'tina-pw');
  });
  beforeEach(async () => {
    fx.log.commitGate = undefined;
    fx.log.failNextCommit = undefined;
    raw?.socket.destroy();
    // The previous test's session ends asynchronously (the proxy runs in this process): never block on its locks.
    await new Promise((r) => setTimeout(r, 100));
    try {
      cluster.psql("SET lock_timeout = '5s'; TRUNCATE tx_written");
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${cluster.psql("SELECT pid, state, query FROM pg_stat_activity WHERE datname = 'postgres'")}`);
    }
    raw = await rawLogin(fx.port, 'tina', 'tina-pw', '-c ilog.purpose=T-11');
  });
  afterAll(async () => {
    raw?.socket.destroy();
    await fx?.close();
    await cluster?.stop();
  });

  it('a write in BEGIN…COMMIT runs before its entry is durable; COMMIT is not sent until it is', async () => {
    expect((await query('BEGIN')).at(-1)?.status).toBe('T');
    const open = holdCommits();
    try {
      // Answered while the log cannot commit anything: the INSERT ran upstream, its entry not durable yet.
      const ins = await query("INSERT INTO tx_written VALUES (1, 'a') /* tx-marker-1 */");
      expect(ins.find((f) => f.type === 'C')?.tag).toBe('INSERT 0 1');
      expect(serverLog()).toContain('tx-marker-1');
      expect(accessOf('tx-marker-1')).toBeUndefined();
      const from = raw.received.length;
      raw.socket.write(message('Q', cstr('COMMIT /* tx-marker-2 */')));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-2'); // COMMIT waits for the log
      expect(raw.received.length).toBe(from);
      expect(committed()).toBe(0);
      open();
      const got = await waitFor(() => (raw.received.slice(from).some((f) => f.type === 'Z') ? raw.received.slice(from) : undefined));
      expect(got!.find((f) => f.type === 'C')?.tag).toBe('COMMIT');
      expect(committed()).toBe(1);
      // The write's entry is in the log before the COMMIT's, and its outcome names it.
      const insert = accessOf('tx-marker-1')!;
      expect(insert.action).toBe('insert');
      expect(insert.index).toBeLessThan(accessOf('tx-marker-2')!.index);
      await waitFor(() => outcomeOf(fx.log.entries(), insert.index)?.rows === 1);
    } finally {
      open();
    }
  });

  it('the log fails a write after it ran in the transaction → COMMIT gets IL002, nothing commits, ROLLBACK recovers', async () => {
    await query('BEGIN');
    await query("INSERT INTO tx_written VALUES (2, 'logged') /* tx-marker-3 */");
    const open = holdCommits();
    const ins = await query("UPDATE tx_written SET secret = 'changed' /* tx-marker-4 */");
    expect(ins.find((f) => f.type === 'C')?.tag).toBe('UPDATE 1');
    expect(serverLog()).toContain('tx-marker-4');
    fx.log.failNextCommit = diskFull(); // exactly the UPDATE's commit fails
    open();
    fx.log.commitGate = undefined;
    // COMMIT's own entry is durable, but the transaction holds a statement the log failed.
    const commit = await query('COMMIT /* tx-marker-5 */');
    expect(commit.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(commit.some((f) => f.type === 'C')).toBe(false);
    expect(commit.at(-1)?.status).toBe('E'); // aborted upstream: it cannot commit any more
    expect(serverLog()).not.toMatch(/statement: COMMIT \/\* tx-marker-5/);
    expect(committed()).toBe(0);
    expect(accessOf('tx-marker-4')).toBeUndefined();
    const commitEntry = accessOf('tx-marker-5')!;
    await waitFor(() => fx.log.entries().some((e) => e.kind === 'outcome' && e.access === commitEntry.index && e.sqlstate === 'IL002'));
    // Only ROLLBACK is accepted (a read that would overlap included); then the session works as before.
    expect((await query("INSERT INTO tx_written VALUES (3, 'x')")).find((f) => f.type === 'E')?.code).toBe('IL002');
    const read = await query('SELECT secret FROM tx_written');
    expect(read.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(read.some((f) => f.type === 'D')).toBe(false);
    expect((await query('ROLLBACK')).at(-1)?.status).toBe('I');
    expect(committed()).toBe(0);
    await query('BEGIN');
    await query("INSERT INTO tx_written VALUES (4, 'ok')");
    expect((await query('COMMIT')).find((f) => f.type === 'C')?.tag).toBe('COMMIT');
    expect(committed()).toBe(1);
  });

  it('BEGIN runs before its entry is durable; if the log fails it, the transaction never commits', async () => {
    const open = holdCommits();
    const begin = await query('BEGIN /* tx-marker-15 */');
    expect(begin.at(-1)?.status).toBe('T'); // answered while the log commits nothing
    fx.log.failNextCommit = diskFull(); // exactly BEGIN's commit fails
    open();
    fx.log.commitGate = undefined;
    await waitFor(() => (fx.log.failNextCommit === undefined ? true : undefined));
    const ins = await query("INSERT INTO tx_written VALUES (13, 'x') /* tx-marker-16 */");
    expect(ins.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(serverLog()).not.toContain('tx-marker-16');
    expect((await query('COMMIT')).find((f) => f.type === 'E')?.code).toBe('IL002');
    expect((await query('ROLLBACK')).at(-1)?.status).toBe('I');
    expect(committed()).toBe(0);
    expect(accessOf('tx-marker-15')).toBeUndefined();
  });

  it('RETURNING rows of a write whose entry fails never reach the client', async () => {
    await query('BEGIN');
    const open = holdCommits();
    const from = raw.received.length;
    raw.socket.write(message('Q', cstr("INSERT INTO tx_written VALUES (5, 'secret-5') RETURNING secret /* tx-marker-6 */")));
    await waitFor(() => serverLog().includes('tx-marker-6'));
    await new Promise((r) => setTimeout(r, 200));
    expect(raw.received.length).toBe(from); // held: the entry is not durable
    fx.log.failNextCommit = diskFull();
    open();
    fx.log.commitGate = undefined;
    const got = (await waitFor(() => (raw.received.slice(from).some((f) => f.type === 'Z') ? raw.received.slice(from) : undefined)))!;
    expect(got.filter((f) => f.type === 'D')).toHaveLength(0);
    expect(got.find((f) => f.type === 'E')?.code).toBe('IL002');
    expect((await query('COMMIT')).find((f) => f.type === 'E')?.code).toBe('IL002');
    expect(committed()).toBe(0);
    await query('ROLLBACK');
  });

  it('extended protocol (node-postgres with parameters): the same, success and failure', async () => {
    const c = new pg.Client(fx.client('tina', 'tina-pw', { options: '-c ilog.purpose=T-11' }));
    await c.connect();
    let open = (): void => {};
    try {
      await c.query('BEGIN');
      open = holdCommits();
      // Parse/Bind/Describe/Execute/Sync: answered while the log commits nothing.
      const ins = await c.query('INSERT INTO tx_written VALUES ($1, $2) /* tx-marker-10 */', [10, 'p']);
      expect(ins.rowCount).toBe(1);
      expect(serverLog()).toContain('tx-marker-10');
      const commit = c.query('COMMIT /* tx-marker-11 */');
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-11');
      expect(committed()).toBe(0);
      open();
      await commit;
      expect(committed()).toBe(1);
      // The log fails the UPDATE's entry after it ran: COMMIT is refused, nothing changes.
      await c.query('BEGIN');
      open = holdCommits();
      expect((await c.query('UPDATE tx_written SET secret = $1 /* tx-marker-12 */', ['changed'])).rowCount).toBe(1);
      fx.log.failNextCommit = diskFull();
      open();
      fx.log.commitGate = undefined;
      await expect(c.query('COMMIT')).rejects.toMatchObject({ code: 'IL002' });
      await c.query('ROLLBACK');
      expect(cluster.psql("SELECT secret FROM tx_written WHERE id = 10")).toBe('p');
    } finally {
      open();
      fx.log.commitGate = undefined;
      await c.end();
    }
  });

  it('outside a transaction, and right behind a pipelined COMMIT, a write stays log-first', async () => {
    await query('BEGIN');
    const open = holdCommits();
    try {
      // COMMIT and an INSERT in one burst: the INSERT will run in autocommit, so it must wait for its entry.
      const from = raw.received.length;
      raw.socket.write(Buffer.concat([message('Q', cstr('COMMIT')), message('Q', cstr("INSERT INTO tx_written VALUES (6, 'x') /* tx-marker-7 */"))]));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-7');
      open();
      const got = await waitFor(() => (raw.received.slice(from).filter((f) => f.type === 'Z').length >= 2 ? raw.received.slice(from) : undefined));
      expect(got!.filter((f) => f.type === 'C').map((f) => f.tag)).toEqual(['COMMIT', 'INSERT 0 1']);
      expect(committed()).toBe(1);
      // Autocommit: never before its entry.
      const open2 = holdCommits();
      raw.socket.write(message('Q', cstr("INSERT INTO tx_written VALUES (7, 'x') /* tx-marker-8 */")));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-8');
      open2();
      await waitFor(() => (committed() === 2 ? true : undefined));
    } finally {
      open();
      fx.log.commitGate = undefined;
    }
  });

  it('extended protocol: an Execute behind a pipelined COMMIT Execute stays log-first', async () => {
    const exec = (sql: string): Buffer[] => [message('P', cstr(''), cstr(sql), int16(0)), message('B', cstr(''), cstr(''), int16(0), int16(0), int16(0)), message('E', cstr(''), int32(0))];
    await query('BEGIN');
    const open = holdCommits();
    try {
      const from = raw.received.length;
      raw.socket.write(Buffer.concat([...exec('COMMIT'), ...exec("INSERT INTO tx_written VALUES (11, 'x') /* tx-marker-13 */"), message('S')]));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-13');
      open();
      const got = await waitFor(() => (raw.received.slice(from).some((f) => f.type === 'Z') ? raw.received.slice(from) : undefined));
      expect(got!.filter((f) => f.type === 'C').map((f) => f.tag)).toEqual(['COMMIT', 'INSERT 0 1']);
      expect(committed()).toBe(1);
      // COMMIT answered but its Sync not yet: the last ReadyForQuery's 'T' is stale, so the next write waits.
      await query('BEGIN');
      fx.log.commitGate = undefined;
      const before = raw.received.length;
      raw.socket.write(Buffer.concat([...exec('COMMIT'), message('H')]));
      await waitFor(() => raw.received.slice(before).some((f) => f.tag === 'COMMIT'));
      const open2 = holdCommits();
      raw.socket.write(Buffer.concat([...exec("INSERT INTO tx_written VALUES (12, 'x') /* tx-marker-14 */"), message('S')]));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-14');
      open2();
      await waitFor(() => (committed() === 2 ? true : undefined));
    } finally {
      open();
      fx.log.commitGate = undefined;
    }
  });

  it('a statement that may do more than its transaction (an unknown function) stays log-first inside it', async () => {
    cluster.psql("CREATE OR REPLACE FUNCTION tx_side(i int) RETURNS int LANGUAGE sql AS 'SELECT i'");
    await query('BEGIN');
    const open = holdCommits();
    const from = raw.received.length;
    try {
      raw.socket.write(message('Q', cstr('INSERT INTO tx_written SELECT tx_side(8) /* tx-marker-9 */')));
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog()).not.toContain('tx-marker-9');
      open();
      const got = await waitFor(() => (raw.received.slice(from).some((f) => f.type === 'Z') ? raw.received.slice(from) : undefined));
      expect(got!.filter((f) => f.type === 'C' || f.type === 'E')).toEqual([{ type: 'C', tag: 'INSERT 0 1' }]);
      expect(serverLog()).toContain('tx-marker-9');
    } finally {
      open();
      fx.log.commitGate = undefined;
      await query('ROLLBACK');
    }
  });
});

// Which statements may take the overlapped path: only those proven read-only
// from PostgreSQL's own parse tree; anything that may write stays log-first.
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, loadParser } from '../../src/capture/pg/classify.js';

beforeAll(async () => {
  await loadParser();
});

const readOnly = (sql: string): boolean[] => analyze(sql).map((i) => i.readOnly === true);

describe('proven read-only', () => {
  it.each([
    'SELECT abalance FROM pgbench_accounts WHERE aid = 5',
    'SELECT count(*), lower(name), now() FROM t WHERE a LIKE $1 AND b BETWEEN 1 AND 2 OR c IN (1, 2)',
    'SELECT pg_catalog.count(*) FROM t',
    'WITH c AS (SELECT id FROM t) SELECT * FROM c JOIN u USING (id) ORDER BY 1 LIMIT 3',
    'SELECT x FROM t UNION SELECT y FROM u',
  ])('overlaps %s', (sql) => {
    expect(readOnly(sql)).toEqual([true]);
  });

  it.each([
    'SELECT * FROM t FOR UPDATE',
    'SELECT * FROM t FOR SHARE SKIP LOCKED',
    'SELECT * INTO new_t FROM t',
    'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d',
    'WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id FROM i',
    "SELECT nextval('s')",
    "SELECT set_config('search_path', 'evil', false)",
    'SELECT my_function(1)',
    'SELECT public.count(*) FROM t',
    'SELECT pg_advisory_lock(1)',
    'SELECT a === b FROM t',
    'SELECT * FROM t WHERE a IN (SELECT f() FROM u)',
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1',
    'DELETE FROM t',
    'COPY t TO STDOUT',
    "DO $$ BEGIN PERFORM 1; END $$",
    'CALL p()',
    'BEGIN',
    'COMMIT',
    'SET search_path = evil',
    'EXPLAIN ANALYZE DELETE FROM t',
    'LOCK TABLE t',
    'VACUUM t',
  ])('keeps log-first: %s', (sql) => {
    expect(readOnly(sql)).toEqual([false]);
  });

  it('judges each statement of a multi-statement query', () => {
    expect(readOnly('SELECT 1; UPDATE t SET a = 1; SELECT 2')).toEqual([true, false, true]);
  });
});

const inTx = (sql: string): { transactional: boolean; rows: boolean }[] => analyze(sql).map((i) => ({ transactional: i.transactional === true, rows: i.returnsRows === true }));

describe('effects undone by ROLLBACK (may run in an explicit transaction before their entry is durable)', () => {
  it.each([
    ['UPDATE pgbench_accounts SET abalance = abalance + 5 WHERE aid = 3', false],
    ['INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 2, 3, 4, CURRENT_TIMESTAMP)', false],
    ['DELETE FROM t WHERE a < 3', false],
    ['INSERT INTO t VALUES (1) RETURNING id', true],
    ['UPDATE t SET a = 1 RETURNING *', true],
    ['SELECT * FROM t FOR UPDATE', true],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', true],
    ['MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = u.a', false],
  ])('overlaps %s (rows held: %s)', (sql, rows) => {
    expect(inTx(sql)).toEqual([{ transactional: true, rows }]);
  });

  it.each([
    'SELECT * INTO new_t FROM t',
    "INSERT INTO t VALUES (nextval('s'))",
    'INSERT INTO t SELECT my_function(1)',
    "UPDATE t SET a = dblink_exec('x', 'DELETE FROM y')",
    'SELECT pg_advisory_lock(1)',
    'UPDATE t SET a = b === c',
    'COMMIT',
    'BEGIN',
    'PREPARE TRANSACTION $$x$$',
    'CREATE TABLE x (a int)',
    'COPY t FROM STDIN',
    'CALL p()',
    "DO $$ BEGIN PERFORM 1; END $$",
    'TRUNCATE t',
    'LOCK TABLE t',
  ])('stays log-first: %s', (sql) => {
    expect(inTx(sql).every((x) => !x.transactional)).toBe(true);
  });
});

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

// Schema of the PostgreSQL backend: the same four relations as SQLite's
// (sqlite/schema.ts), in a PostgreSQL schema of their own (default `ilog`,
// `?schema=` in the store URL), plus `head`, the row that sequences:
//
// head         one row, the next free index. appendBatch moves it and inserts the
//              batch in one transaction; the row lock serialises writers on every
//              host, and a rolled-back batch rolls `next` back too (no gap).
// tree         one row: integrated size and root; integrate() is a compare-and-swap
//              on it (SELECT … FOR UPDATE, then compare size), so two integrators
//              can never store two different trees of one size (no fork).
// meta         schema version; opening a newer schema fails.

export const PG_SCHEMA_VERSION = 1;

export function pgSchema(s: string, emptyRoot: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.meta (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.head (id int PRIMARY KEY CHECK (id = 1), next bigint NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.entries (idx bigint PRIMARY KEY, data bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.tiles (
  level int NOT NULL, idx bigint NOT NULL,
  width int NOT NULL CHECK (width BETWEEN 1 AND 256), data bytea NOT NULL,
  PRIMARY KEY (level, idx));
CREATE TABLE IF NOT EXISTS ${s}.tree (id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, root bytea NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.checkpoints (size bigint PRIMARY KEY, note text NOT NULL, created timestamptz NOT NULL DEFAULT now());
INSERT INTO ${s}.head VALUES (1, 0) ON CONFLICT DO NOTHING;
INSERT INTO ${s}.tree VALUES (1, 0, ${emptyRoot}) ON CONFLICT DO NOTHING;
INSERT INTO ${s}.meta VALUES (1, ${PG_SCHEMA_VERSION}) ON CONFLICT DO NOTHING;
`;
}

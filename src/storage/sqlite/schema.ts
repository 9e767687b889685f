// Schema of the embedded SQLite backend (one file, `<dir>/log.db`).
//
// entries      one row per entry, rowid = log index. Measured against one row per
//              batch (a blob of length-prefixed entries): 265k vs 330k entries/s at
//              1,000-entry batches of 300 bytes with synchronous=FULL, a gap too
//              small to pay for range lookups across batch rows.
// tiles        the latest width of every hash tile; full tiles never change again.
// tree         one row: integrated size and root, updated with the tiles it describes.
// checkpoints  every signed checkpoint, by size (history for verifiers and witnesses).
// migrations   (version 2) every schema migration the file went through: from, to, the
//              log index of the approved proposal that allowed it and of the
//              `storage.migrated` entry that records it (docs/storage.md "Upgrades").
//
// PRAGMA user_version records the schema version. Opening a newer file fails;
// an older one opens for reading and for the governance commands that approve
// its migration (the four tables above are the same in every version: a
// migration only adds), while `serve` and `proxy` refuse to start on it until
// `ilog migrate` has run under a quorum-approved `storage.migrate` proposal.

export const SCHEMA_VERSION = 2;
/** The oldest schema this code reads and appends to (entries, tiles, tree, checkpoints unchanged since). */
export const OLDEST_SCHEMA_VERSION = 1;

const MIGRATIONS_TABLE = `CREATE TABLE migrations (
  version  INTEGER PRIMARY KEY,
  from_version INTEGER NOT NULL,
  approval INTEGER NOT NULL,
  entry    INTEGER NOT NULL,
  applied  TEXT NOT NULL
);`;

/** Schema steps, each from version `to - 1`; run only by `ilog migrate` (governance/migration.ts). */
export const MIGRATIONS: readonly { to: number; sql: string }[] = [
  {
    to: 2,
    sql: MIGRATIONS_TABLE,
  },
];

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  idx  INTEGER PRIMARY KEY,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tiles (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
  data  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS tree (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (
  size    INTEGER PRIMARY KEY,
  note    TEXT NOT NULL,
  created TEXT NOT NULL
);
${MIGRATIONS_TABLE}
`;

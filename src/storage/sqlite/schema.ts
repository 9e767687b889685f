// Schema of the embedded SQLite backend (one file, `<dir>/log.db`).
//
// entries      one row per entry, rowid = log index. Measured against one row per
//              batch (a blob of length-prefixed entries): 265k vs 330k entries/s at
//              1,000-entry batches of 300 bytes with synchronous=FULL, a gap too
//              small to pay for range lookups across batch rows.
// tiles        the latest width of every hash tile; full tiles never change again.
// tree         one row: integrated size and root, updated with the tiles it describes.
// checkpoints  every signed checkpoint, by size (history for verifiers and witnesses).
//
// PRAGMA user_version records the schema version; opening a newer file fails.

export const SCHEMA_VERSION = 1;

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
`;

// Test helpers that tamper with a log's SQLite file directly (as root on the
// log host could), using storage's schema (src/storage/sqlite/schema.ts).
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { leafHash } from '../../src/ledger/hash.js';
import { signerFromKey, signNote } from '../../src/ledger/note.js';
import { TileBuilder } from '../../src/ledger/tile-builder.js';
import { ORIGIN } from './build-log.js';

export function withDb<T>(dir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dir, 'log.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** XOR one byte of a blob column (entries.data or tiles.data). */
export function flipByte(dir: string, table: 'entries' | 'tiles', where: string, offset: number, params: unknown[] = []): void {
  withDb(dir, (db) => {
    // `AS rid`: with an INTEGER PRIMARY KEY, SQLite names a bare `rowid` column after the key.
    const row = db.prepare(`SELECT rowid AS rid, data FROM ${table} WHERE ${where}`).get(...params) as { rid: number; data: Buffer };
    const data = Buffer.from(row.data);
    data[offset] = data[offset]! ^ 0x01;
    const changed = db.prepare(`UPDATE ${table} SET data = ? WHERE rowid = ?`).run(data, row.rid).changes;
    if (changed !== 1) throw new Error(`flipByte changed ${changed} rows`);
  });
}

export function readAllEntries(dir: string): Buffer[] {
  return withDb(dir, (db) => (db.prepare('SELECT data FROM entries ORDER BY idx').pluck().all() as Buffer[]));
}

/** Signs a checkpoint text with the log's own key (an attacker holding the key). */
export function signWithLogKey(dir: string, size: number, root: Uint8Array): string {
  const signer = signerFromKey(readFileSync(join(dir, 'log.key'), 'utf8').trim());
  return signNote(formatCheckpoint({ origin: ORIGIN, size, root, extensions: [] }), signer);
}

/**
 * Rewrites the whole log consistently from `entries` (tiles, tree state, one
 * checkpoint signed with the log key): a fork that only a saved checkpoint or a
 * witness can expose.
 */
export function rewriteLog(dir: string, entries: Uint8Array[]): void {
  const update = TileBuilder.empty().append(entries.map((e) => leafHash(e)));
  const note = signWithLogKey(dir, entries.length, update.root);
  withDb(dir, (db) =>
    db.transaction(() => {
      db.exec('DELETE FROM entries; DELETE FROM tiles; DELETE FROM checkpoints;');
      const ins = db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)');
      entries.forEach((e, i) => ins.run(i, Buffer.from(e)));
      const tile = db.prepare('INSERT OR REPLACE INTO tiles (level, idx, width, data) VALUES (?, ?, ?, ?)');
      for (const t of update.tiles) tile.run(t.level, t.index, t.width, Buffer.from(t.data));
      db.prepare('UPDATE tree SET size = ?, root = ? WHERE id = 1').run(entries.length, Buffer.from(update.root));
      db.prepare('INSERT INTO checkpoints (size, note, created) VALUES (?, ?, ?)').run(entries.length, note, new Date().toISOString());
    })(),
  );
}

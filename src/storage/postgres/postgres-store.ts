// The PostgreSQL LogStore: for deployments that outgrow one machine. Many ilog
// processes on many hosts append to one store at once; the database serialises
// them (the `head` row lock hands out gap-free index ranges; the `tree` row is a
// compare-and-swap, so the log cannot fork). Durability is PostgreSQL's: a
// COMMIT with synchronous_commit on (the default; keep it, and replicate
// synchronously for HA) is on disk before appendBatch/addCheckpoint resolve.
// Integration commits run with synchronous_commit off, as SQLite's skip the
// fsync: tiles are derived from entries, and WAL order means a crash can only
// roll the tree back to an earlier consistent state, never behind a checkpoint.
// Where tiles are served from, and why: docs/storage.md.

import pg from 'pg';
import { bytesEqual } from '../../ledger/bytes.js';
import { IlogError, type ErrorCode } from '../../ledger/errors.js';
import { EMPTY_ROOT, HASH_SIZE } from '../../ledger/hash.js';
import { encodeBundle, partialTiles, TILE_WIDTH } from '../../ledger/tiles.js';
import { checkEntries, checkIndex, checkIntegration, checkNote, checkTileRef } from '../args.js';
import type { LogStore } from '../log-reader.js';
import type { Integration, NotifiedEntries, StoredCheckpoint, TreeState } from '../log-storage.js';
import { PG_SCHEMA_VERSION, pgSchema } from './schema.js';
import { checkpointChannel, checkpointPayloadSql, listenCheckpoints } from './checkpoint-channel.js';

const DEFAULT_READ_LIMIT = 65_536;
const DEFAULT_CHECKPOINT_LIMIT = 1_000;

export interface PostgresStoreOptions {
  /** Connections in the pool (default 4). */
  poolSize?: number;
}

/** A `postgres://` store URL: the connection, and the PostgreSQL schema holding the log (`?schema=`, default ilog). */
export function parseStoreUrl(url: string): { connectionString: string; schema: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new IlogError('USAGE', 'a store is postgres://user:password@host:port/database[?schema=name]', { store: redact(url) });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new IlogError('USAGE', 'a store URL starts with postgres://', { store: redact(url) });
  const schema = u.searchParams.get('schema') ?? 'ilog';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new IlogError('USAGE', 'the store schema is a lower-case SQL identifier', { schema });
  u.searchParams.delete('schema');
  return { connectionString: u.href, schema };
}

/** The URL without its password, for messages and evidence. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/** PostgreSQL errors as IlogError: unreachable (worth retrying, or failing over) or not. */
export function pgError(e: unknown, where: string): IlogError {
  if (e instanceof IlogError) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  const unreachable = typeof code !== 'string' || /^(08|57P|53)/.test(code) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|terminated|Connection/.test(message);
  const ilog: ErrorCode = code === '53100' ? 'STORAGE_FULL' : unreachable ? 'STORAGE_UNAVAILABLE' : 'STORAGE_ERROR';
  const advice = ilog === 'STORAGE_UNAVAILABLE' ? 'the PostgreSQL store cannot be reached; check it is up and the URL' : 'the PostgreSQL store failed';
  return new IlogError(ilog, `${advice} (${message})`, { store: where, ...(typeof code === 'string' ? { pgCode: code } : {}) }, { cause: e });
}

export class PostgresLogStore implements LogStore {
  readonly where: string;
  readonly #pool: pg.Pool;
  readonly #s: string;

  readonly #connectionString: string;

  private constructor(pool: pg.Pool, connectionString: string, schema: string, where: string) {
    this.#connectionString = connectionString;
    this.#pool = pool;
    this.#s = schema;
    this.where = where;
  }

  /** Connect, creating the schema if needed (racing openers agree: one transaction under an advisory lock). */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresLogStore> {
    const { connectionString, schema } = parseStoreUrl(url);
    // Connections stay open while idle (node-postgres closes them after 10 s by default): a
    // standby's store is opened long before it takes over, and a new connection then
    // (TCP, SCRAM, a backend forked) cost 0.9 s of the failover under load.
    const pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 4, idleTimeoutMillis: 0, keepAlive: true });
    pool.on('error', () => {}); // an idle client's failure surfaces on the next query
    const store = new PostgresLogStore(pool, connectionString, schema, redact(url));
    try {
      await store.#tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ilog schema ${schema}`]);
        await c.query(pgSchema(schema, `'\\x${Buffer.from(EMPTY_ROOT).toString('hex')}'::bytea`));
        const version = (await c.query(`SELECT version FROM ${schema}.meta`)).rows[0]?.version as number;
        if (version !== PG_SCHEMA_VERSION) {
          throw new IlogError('STORAGE_VERSION', `the store has schema version ${version}; this ilog reads version ${PG_SCHEMA_VERSION} (upgrade ilog)`, { version });
        }
      });
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    return store;
  }

  /**
   * Opens every pooled connection now (they stay open while idle). A writer asks for several at
   * once (an append, a signing transaction, integration's reads, its poll): the first time it
   * needed one more, that query waited for TCP, SCRAM and a backend fork, 40-50 ms at load 6-9,
   * in the middle of a lock's path (bench:storage `locks`).
   */
  async warm(): Promise<void> {
    // All of them held at once: the pool opens what it lacks.
    const got = await Promise.allSettled(Array.from({ length: this.#pool.options.max }, () => this.#pool.connect()));
    for (const r of got) if (r.status === 'fulfilled') r.value.release();
    const failed = got.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw pgError(failed.reason, this.where);
  }

  /** Connections the pool holds now (open, idle or busy). */
  get connections(): number {
    return this.#pool.totalCount;
  }

  async #q<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.#pool.query<T>(sql, params)).rows;
    } catch (e) {
      throw pgError(e, this.where);
    }
  }

  /**
   * One transaction on one pooled connection. `first`, a statement without parameters, goes with
   * the BEGIN in one round trip (a simple query may hold several statements) and its rows are
   * handed to `fn`: the tree row lock that every writer of the tree takes first.
   */
  async #tx<T>(fn: (c: pg.PoolClient, first: pg.QueryResultRow[]) => Promise<T>, first?: string): Promise<T> {
    let c: pg.PoolClient;
    try {
      c = await this.#pool.connect();
    } catch (e) {
      throw pgError(e, this.where);
    }
    let broken = false;
    try {
      const begun = (await c.query(first === undefined ? 'BEGIN' : `BEGIN; ${first}`)) as unknown as pg.QueryResult[] | pg.QueryResult;
      const out = await fn(c, Array.isArray(begun) ? (begun[1]?.rows ?? []) : []);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      // A failed COMMIT may still have committed (a torn commit): callers re-read state.
      await c.query('ROLLBACK').catch(() => (broken = true));
      throw pgError(e, this.where);
    } finally {
      c.release(broken);
    }
  }

  async appendBatch(entries: readonly Uint8Array[]): Promise<{ first: number; count: number }> {
    checkEntries(entries);
    if (entries.length === 0) return { first: await this.size(), count: 0 };
    // One statement, one round trip, its own transaction: the head row is locked only while
    // PostgreSQL inserts and commits, never across a round trip to this process (four writers
    // queue on that lock; with BEGIN, UPDATE, INSERT, COMMIT as four round trips a writer held
    // it through its event loop's stalls: 5,400 appends/s with 4 writers). A data-modifying
    // WITH runs exactly once, whether or not the outer SELECT reads it.
    // The entries travel as one binary parameter and their lengths (node-postgres sends a
    // Buffer as binary but a bytea[] as hex text: twice the bytes, and 7 µs of CPU per entry).
    const rows = await this.#q<{ first: string }>(
      `WITH h AS (UPDATE ${this.#s}.head SET next = next + $1 WHERE id = 1 RETURNING next - $1 AS first),
            l AS (SELECT o, len, sum(len) OVER (ORDER BY o) - len AS off FROM unnest($3::int[]) WITH ORDINALITY AS t(len, o)),
            i AS (INSERT INTO ${this.#s}.entries (idx, data) SELECT h.first + l.o - 1, substring($2::bytea FROM (l.off + 1)::int FOR l.len) FROM h, l)
       SELECT first FROM h`,
      [entries.length, Buffer.concat(entries.map(asBuffer)), `{${entries.map((e) => e.byteLength).join(',')}}`],
    );
    return { first: Number(rows[0]!.first), count: entries.length };
  }

  async size(): Promise<number> {
    return Number((await this.#q(`SELECT next FROM ${this.#s}.head WHERE id = 1`))[0]?.next);
  }

  async readEntries(from: number, to: number, limit = DEFAULT_READ_LIMIT): Promise<Uint8Array[]> {
    checkIndex(from, 'from');
    checkIndex(to, 'to');
    checkIndex(limit, 'limit');
    if (to <= from || limit === 0) return [];
    // One row whatever the range: the entries as one bytea (one native hex decode) and their
    // lengths, cut apart here. A row per entry cost a parse and an object per entry on the
    // reading thread, and an integrator reads back every other writer's entries.
    const row = (await this.#q<{ data: Buffer | null; lens: number[] | null }>(
      `SELECT string_agg(data, ''::bytea ORDER BY idx) AS data, array_agg(length(data) ORDER BY idx) AS lens
       FROM (SELECT idx, data FROM ${this.#s}.entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3) e`,
      [from, to, limit],
    ))[0];
    if (!row?.data || !row.lens) return [];
    const out: Uint8Array[] = [];
    let off = 0;
    for (const len of row.lens) out.push(row.data.subarray(off, (off += len)));
    return out;
  }

  /**
   * LogReader.readLeafHashes: the RFC 6962 leaf hashes of entries [from, min(to, size())),
   * computed by PostgreSQL (`sha256(0x00 || data)`): an integrator reading back other writers'
   * entries takes 32 bytes per entry instead of the entry (as hex text, twice its size).
   */
  async readLeafHashes(from: number, to: number, limit = DEFAULT_READ_LIMIT): Promise<Uint8Array> {
    checkIndex(from, 'from');
    checkIndex(to, 'to');
    checkIndex(limit, 'limit');
    if (to <= from || limit === 0) return new Uint8Array(0);
    const row = (await this.#q<{ h: Buffer | null }>(
      `SELECT string_agg(sha256('\\x00'::bytea || data), ''::bytea ORDER BY idx) AS h
       FROM (SELECT idx, data FROM ${this.#s}.entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT $3) e`,
      [from, to, limit],
    ))[0];
    return row?.h ?? new Uint8Array(0);
  }

  async treeState(): Promise<TreeState> {
    const row = (await this.#q<{ size: string; root: Buffer }>(`SELECT size, root FROM ${this.#s}.tree WHERE id = 1`))[0];
    if (!row) throw new IlogError('STORAGE_CORRUPT', 'the store has no tree row; restore it from a mirror', { store: this.where });
    return { size: Number(row.size), root: row.root };
  }

  async integrate(step: Integration): Promise<boolean> {
    checkIntegration(step);
    const seen = new Set<string>();
    for (const t of step.tiles) {
      const key = `${t.level}/${t.index}`;
      if (seen.has(key)) throw new IlogError('INTEGRATION_CONFLICT', 'an integration writes one tile twice', { level: t.level, index: t.index });
      seen.add(key);
    }
    const edge = partialTiles(step.tree.size);
    const signed = step.checkpoint !== undefined;
    // Three round trips whatever the step's size (BEGIN with the locked compare, then the checks and
    // writes as one statement, COMMIT), where one query per tile took ~2 per tile: with four
    // writers each round trip waited for a busy event loop while the tree row stayed locked,
    // and integration ran at 744 entries/s against 18,883 appends/s (bench:storage, load 10).
    // A step that stores its checkpoint too commits durably (synchronous_commit stays on) and
    // notifies the followers at that commit: one durable transaction before they hear of it.
    const lock = `SELECT size${signed ? '' : ", set_config('synchronous_commit', 'off', true)"} FROM ${this.#s}.tree WHERE id = 1 FOR UPDATE`;
    return this.#tx(async (c, locked) => {
      const size = Number(locked[0]?.size);
      if (size !== step.fromSize) return false;
      // After the lock: a new snapshot (READ COMMITTED) sees every tile a previous holder stored.
      // The tiles travel as one binary parameter (their widths say where each is cut); nothing is
      // written unless every check holds, and the checks' findings come back as evidence.
      const r = (await c.query<{ next: string; bad: TileConflict[] | null; edge: TileConflict[] | null }>(
        `WITH n AS (
           SELECT level, idx, width, substring($4::bytea FROM (off + 1)::int FOR width * ${HASH_SIZE}) AS data
           FROM (SELECT level, idx, width, (sum(width) OVER (ORDER BY o) - width) * ${HASH_SIZE} AS off
                 FROM unnest($1::int[], $2::bigint[], $3::int[]) WITH ORDINALITY AS u(level, idx, width, o)) q),
         bad AS (
           SELECT n.level, n.idx AS index, o.width AS stored, n.width FROM n JOIN ${this.#s}.tiles o ON o.level = n.level AND o.idx = n.idx
           WHERE o.width > n.width OR substring(n.data FROM 1 FOR o.width * ${HASH_SIZE}) <> o.data),
         edge AS (
           SELECT e.level, e.idx AS index, coalesce(n.width, o.width, 0) AS stored, e.width
           FROM unnest($5::int[], $6::bigint[], $7::int[]) AS e(level, idx, width)
           LEFT JOIN n ON n.level = e.level AND n.idx = e.idx
           LEFT JOIN ${this.#s}.tiles o ON o.level = e.level AND o.idx = e.idx
           WHERE coalesce(n.width, o.width, 0) <> e.width),
         h AS (SELECT next FROM ${this.#s}.head WHERE id = 1),
         ok AS (SELECT NOT EXISTS (SELECT 1 FROM bad) AND NOT EXISTS (SELECT 1 FROM edge) AND $8 <= (SELECT next FROM h) AS ok),
         up AS (
           INSERT INTO ${this.#s}.tiles (level, idx, width, data) SELECT level, idx, width, data FROM n WHERE (SELECT ok FROM ok)
           ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data),
         tr AS (UPDATE ${this.#s}.tree SET size = $8, root = $9 WHERE id = 1 AND (SELECT ok FROM ok))${signed ? `,
${this.#checkpointCtes('$8', '$10', '$11', '(SELECT ok FROM ok)')}` : ''}
         SELECT (SELECT next FROM h) AS next, (SELECT json_agg(bad) FROM bad) AS bad, (SELECT json_agg(edge) FROM edge) AS edge${signed ? ', (SELECT count(*) FROM nt) AS notified' : ''}`,
        [
          `{${step.tiles.map((t) => t.level).join(',')}}`,
          `{${step.tiles.map((t) => t.index).join(',')}}`,
          `{${step.tiles.map((t) => t.data.byteLength / HASH_SIZE).join(',')}}`,
          Buffer.concat(step.tiles.map((t) => asBuffer(t.data))),
          `{${edge.map((t) => t.level).join(',')}}`,
          `{${edge.map((t) => t.index).join(',')}}`,
          `{${edge.map((t) => t.width).join(',')}}`,
          step.tree.size,
          asBuffer(step.tree.root),
          ...(signed ? [step.checkpoint, checkpointChannel(this.#s)] : []),
        ],
      )).rows[0]!;
      const sequenced = Number(r.next);
      if (step.tree.size > sequenced) {
        throw new IlogError('INTEGRATION_CONFLICT', 'cannot integrate entries that are not sequenced', { size: step.tree.size, sequenced });
      }
      if (r.bad) {
        const t = r.bad[0]!;
        throw new IlogError('INTEGRATION_CONFLICT', 'a tile write does not extend the stored tile; the integrator is inconsistent with storage', {
          level: t.level, index: Number(t.index), storedWidth: t.stored, width: t.width,
        });
      }
      if (r.edge) {
        const t = r.edge[0]!;
        throw new IlogError('INTEGRATION_CONFLICT', 'integration leaves a right-edge tile of the wrong width', { level: t.level, index: Number(t.index), width: t.width, stored: t.stored });
      }
      return true;
    }, lock);
  }

  async readTile(level: number, index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    checkTileRef(level, index, width);
    const row = (await this.#q<{ width: number; data: Buffer }>(`SELECT width, data FROM ${this.#s}.tiles WHERE level = $1 AND idx = $2`, [level, index]))[0];
    if (!row || row.width < width) return undefined;
    return row.width === width ? row.data : row.data.subarray(0, width * HASH_SIZE);
  }

  async readEntryBundle(index: number, width = TILE_WIDTH): Promise<Uint8Array | undefined> {
    checkTileRef(0, index, width);
    const from = index * TILE_WIDTH;
    if (from + width > (await this.treeState()).size) return undefined;
    return encodeBundle(await this.readEntries(from, from + width));
  }

  async addCheckpoint(size: number, note: string): Promise<boolean> {
    checkIndex(size, 'size', 'BAD_CHECKPOINT');
    checkNote(size, note);
    // The tree row lock (taken with the BEGIN) serialises checkpoint writers with each other and
    // with integrators; the statement after it sees every checkpoint they stored. Three round trips.
    return this.#tx(async (c, locked) => {
      const integrated = Number(locked[0]?.size);
      if (size > integrated) throw new IlogError('BAD_CHECKPOINT', 'a checkpoint cannot be larger than the integrated tree', { size, integrated });
      // The notification, in the same statement, is delivered at COMMIT to every listener (checkpoint-channel.ts):
      // followers wake without waiting for their poll, the note (and the entries since the checkpoint before) in hand.
      const r = await c.query(`WITH ${this.#checkpointCtes('$1', '$2', '$3')} SELECT count(*) AS notified FROM nt`, [size, note, checkpointChannel(this.#s)]);
      return Number(r.rows[0]?.notified) === 1;
    }, `SELECT size FROM ${this.#s}.tree WHERE id = 1 FOR UPDATE`);
  }

  /**
   * The CTEs that store checkpoint `size` with `note` (SQL parameters) when `when` holds, unless one
   * as large is stored (never backwards), and notify `channel` at COMMIT with its payload
   * (checkpoint-channel.ts): `prev`, `cp`, `nt`. `nt` is a plain SELECT, which PostgreSQL runs only
   * if the statement reads it: the caller selects `count(*) FROM nt` (1 when stored and notified).
   */
  #checkpointCtes(size: string, note: string, channel: string, when = 'true'): string {
    return `prev AS (SELECT coalesce(max(size), -1) AS size FROM ${this.#s}.checkpoints),
         cp AS (INSERT INTO ${this.#s}.checkpoints (size, note) SELECT ${size}, ${note} WHERE ${when} AND (SELECT size FROM prev) < ${size}::bigint RETURNING size),
         nt AS (SELECT pg_notify(${channel}, ${checkpointPayloadSql(this.#s, `${size}::bigint`, `${note}::text`, 'greatest((SELECT size FROM prev), 0)')}) FROM cp)`;
  }

  async latestCheckpoint(): Promise<string | undefined> {
    return (await this.#q<{ note: string }>(`SELECT note FROM ${this.#s}.checkpoints ORDER BY size DESC LIMIT 1`))[0]?.note;
  }

  async checkpoints(fromSize = 0, limit = DEFAULT_CHECKPOINT_LIMIT): Promise<StoredCheckpoint[]> {
    checkIndex(fromSize, 'fromSize');
    checkIndex(limit, 'limit');
    const rows = await this.#q<{ size: string; note: string }>(`SELECT size, note FROM ${this.#s}.checkpoints WHERE size >= $1 ORDER BY size LIMIT $2`, [fromSize, limit]);
    return rows.map((r) => ({ size: Number(r.size), note: r.note }));
  }

  watchCheckpoints(listener: (note?: string, entries?: NotifiedEntries) => void, lost?: () => void): () => void {
    return listenCheckpoints(this.#connectionString, this.#s, listener, lost);
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => {});
  }
}

/** A tile the integrate checks refused: where, the width stored (or about to be), the width expected. */
interface TileConflict {
  level: number;
  index: number | string;
  stored: number;
  width: number;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

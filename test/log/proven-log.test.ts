// ProvenLog (src/log/proven-log.ts) on a real SQLite log: a checkpoint note handed in
// from outside the store (on PostgreSQL, the payload of the checkpoint notification,
// which any connected role can send) is taken only when it opens under the log key and
// is newer, then checked as a stored one is; a reader going on in a partial tile reads
// only the entries after those it proved before, still proves them, and reads each
// tile its proofs need once (none for a new checkpoint that ends in the same tile);
// entries handed in with a note stand in for the store's only once they prove it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { IlogError } from '../../src/ledger/errors.js';
import { generateKey, signerFromKey, signNote } from '../../src/ledger/note.js';
import { Appender } from '../../src/log/appender.js';
import { ProvenLog, type ProvableStorage } from '../../src/log/proven-log.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { accessEntry, buildLog, ORIGIN, removeDir } from '../verify/build-log.js';
import { flipByte, signWithLogKey } from '../verify/tamper.js';

const dirs: string[] = [];
const stores: SqliteLogStorage[] = [];
afterAll(() => {
  for (const s of stores) s.close();
  for (const d of dirs) removeDir(d);
});

/** A ProvenLog over the log in `dir`, recording its reads of the latest checkpoint, of entry ranges and of tiles. */
function provenOver(dir: string): { proven: ProvenLog; store: SqliteLogStorage; calls: { latest: number; reads: [number, number][]; tiles: string[] } } {
  const store = SqliteLogStorage.open(dir, { readonly: true });
  stores.push(store);
  const calls = { latest: 0, reads: [] as [number, number][], tiles: [] as string[] };
  const counted: ProvableStorage = {
    size: () => store.size(),
    readTile: (l, i, w) => (calls.tiles.push(`${l}/${i}/${w}`), store.readTile(l, i, w)),
    latestCheckpoint: () => (calls.latest++, store.latestCheckpoint()),
    readEntries: (from, to, limit) => (calls.reads.push([from, to]), store.readEntries(from, to, limit)),
  };
  return { proven: ProvenLog.forDir(dir, counted), store, calls };
}

/** Appends `n` access entries and signs a checkpoint over them; returns its note. */
async function grow(dir: string, n: number): Promise<string> {
  const log = await Appender.open(dir);
  try {
    await log.appendMany(Array.from({ length: n }, (_, i) => accessEntry(1000 + i)));
    return await log.checkpoint();
  } finally {
    await log.close();
  }
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof IlogError) return e.code;
    throw e;
  }
  return undefined;
}

describe('ProvenLog', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await buildLog(10); // genesis + 10: checkpoint 11
    dirs.push(dir);
  });

  it('takes an offered note only if it opens under the log key and is newer; a taken one spares the read of the latest checkpoint', async () => {
    const { proven, store, calls } = provenOver(dir);
    expect(proven.size()).toBe(11);
    const old = store.latestCheckpoint()!;
    const note = await grow(dir, 5);
    const intruder = signNote(formatCheckpoint({ origin: ORIGIN, size: 40, root: randomBytes(32), extensions: [] }), signerFromKey(generateKey(ORIGIN).skey));
    for (const bad of [intruder, 'garbage', '', old, '16', note.replace('\n16\n', '\n17\n')]) expect(proven.offer(bad)).toBe(false);
    expect(proven.size()).toBe(16); // nothing was taken: read from the store
    expect(calls.latest).toBe(2);

    const next = await grow(dir, 2);
    expect(proven.offer(next)).toBe(true);
    expect(proven.offer(next)).toBe(false); // not newer than the one already taken
    expect(proven.size()).toBe(18);
    expect(proven.readEntries(16, 18)).toHaveLength(2); // a range the proven checkpoint covers: no second look either
    expect(calls.latest).toBe(2);
    expect(proven.size()).toBe(18); // the next look reads the store again
    expect(calls.latest).toBe(3);
  });

  it('checks a taken note as a stored one: one signed by the log key over another tree is BAD_CHECKPOINT', () => {
    const { proven } = provenOver(dir);
    const size = proven.size();
    expect(proven.offer(signWithLogKey(dir, size + 3, randomBytes(32)))).toBe(true);
    expect(codeOf(() => proven.size())).toBe('BAD_CHECKPOINT');
  });

  it('going on in a partial tile reads only the new entries, across a tile boundary too, each tile once, and still proves them', async () => {
    const d = await buildLog(250); // checkpoint 251: tile 0 partial
    dirs.push(d);
    const { proven, store, calls } = provenOver(d);
    expect(proven.readEntries(0, proven.size())).toHaveLength(251);
    await grow(d, 20); // 271: tile 0 full, tile 1 holds 15
    calls.reads.length = 0;
    calls.tiles.length = 0;
    const got = proven.readEntries(251, proven.size());
    expect(calls.reads).toEqual([[251, 271]]);
    // The consistency proof 251 → 271 and tile 1's inclusion proof both need the level-1 tile: read once.
    expect(calls.tiles).toContain('1/0/1');
    expect(new Set(calls.tiles).size).toBe(calls.tiles.length);
    expect(got.map((b) => Buffer.from(b))).toEqual(store.readEntries(251, 271).map((b) => Buffer.from(b)));
    await grow(d, 3); // 274, still in tile 1
    calls.reads.length = 0;
    calls.tiles.length = 0;
    expect(proven.size()).toBe(274);
    // Consistent with 271 from the 3 new entries and the proven front of tile 1: no tile read
    // (the level-1 tile has not changed since 271), and the entries are not read a second time.
    expect(calls.reads).toEqual([[271, 274]]);
    expect(calls.tiles).toEqual([]);
    expect(proven.readEntries(271, 274).map((b) => Buffer.from(b))).toEqual(store.readEntries(271, 274).map((b) => Buffer.from(b)));
    expect(calls.reads).toEqual([[271, 274]]);
    calls.reads.length = 0;
    expect(proven.readEntries(260, 274)).toHaveLength(14); // entries it holds no bytes of: the tile is read from its start
    expect(calls.reads).toEqual([[256, 274]]);

    await grow(d, 2); // 276
    flipByte(d, 'entries', 'idx = ?', 5, [275]);
    expect(proven.size()).toBe(276); // the stored tile still proves 276 consistent
    let evidence: Record<string, unknown> | undefined;
    try {
      proven.readEntries(274, 276);
    } catch (e) {
      evidence = { code: (e as IlogError).code, ...(e as IlogError).evidence };
    }
    expect(evidence).toMatchObject({ code: 'TILE_MISMATCH', index: 275 });
  });

  it('uses the entries offered with a note only once they prove it: then it reads nothing; forged or misplaced ones are dropped, no evidence against the log', async () => {
    const d = await buildLog(20); // checkpoint 21
    dirs.push(d);
    const { proven, store, calls } = provenOver(d);
    expect(proven.readEntries(0, proven.size())).toHaveLength(21);
    const bytes = (from: number, to: number): Uint8Array[] => store.readEntries(from, to).map((b) => Buffer.from(b));
    const look = (): { reads: [number, number][]; latest: number; tiles: string[] } => {
      const seen = { reads: [...calls.reads], latest: calls.latest, tiles: [...calls.tiles] };
      calls.reads.length = 0;
      calls.latest = 0;
      calls.tiles.length = 0;
      return seen;
    };
    look();

    // Genuine: the note and the entries since the checkpoint before it, as a notification carries them.
    let note = await grow(d, 3); // 24
    expect(proven.offer(note, { from: 21, entries: bytes(21, 24) })).toBe(true);
    expect(proven.size()).toBe(24);
    expect(proven.readEntries(21, 24).map((b) => Buffer.from(b))).toEqual(bytes(21, 24));
    expect(look()).toEqual({ reads: [], latest: 0, tiles: [] }); // nothing read from the store
    expect(proven.notifiedEntriesUsed).toBe(1);

    // Forged (one byte changed), or not ending at the note's size, or starting after the proven
    // size: dropped, the new entries read from the store, and the log still proven.
    const forged = (e: Uint8Array[]): Uint8Array[] => e.map((b, i) => (i === 1 ? Uint8Array.from(b, (x, k) => (k === 3 ? x ^ 1 : x)) : b));
    for (const [n, offered] of [
      [2, (from: number, to: number) => ({ from, entries: forged(bytes(from, to)) })],
      [2, (from: number, to: number) => ({ from, entries: bytes(from, to - 1) })],
      [3, (from: number, to: number) => ({ from: from + 1, entries: bytes(from + 1, to) })],
    ] as const) {
      const before = proven.size();
      note = await grow(d, n);
      look();
      expect(proven.offer(note, offered(before, before + n))).toBe(true);
      expect(proven.size()).toBe(before + n);
      expect(proven.readEntries(before, before + n).map((b) => Buffer.from(b))).toEqual(bytes(before, before + n));
      expect(look()).toMatchObject({ reads: [[before, before + n]], latest: 0 });
    }
    expect(proven.notifiedEntriesUsed).toBe(1);

    // Entries from an earlier checkpoint than the proven one still serve (the follower takes the part it lacks).
    const before = proven.size();
    note = await grow(d, 2);
    expect(proven.offer(note, { from: before - 3, entries: bytes(before - 3, before + 2) })).toBe(true);
    expect(proven.readEntries(before, proven.size())).toHaveLength(2);
    expect(look().reads).toEqual([]);
    expect(proven.notifiedEntriesUsed).toBe(2);
  });
});

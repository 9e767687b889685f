// Test fixtures for the witness area: a log key, an in-memory tree of entries and
// signed checkpoints of any prefix of it (or of a forked history).
import { formatCheckpoint } from '../../src/ledger/checkpoint.js';
import { generateCosignerKey } from '../../src/ledger/cosignature.js';
import { utf8 } from '../../src/ledger/bytes.js';
import { MemoryTree } from '../../src/ledger/memory-tree.js';
import { generateKey, signerFromKey, signNote } from '../../src/ledger/note.js';
import { consistencyProof } from '../../src/ledger/merkle.js';
import { leafHash } from '../../src/ledger/hash.js';
import { encodeEntry } from '../../src/ledger/entry.js';
import { TileBuilder } from '../../src/ledger/tile-builder.js';
import type { LogStorage } from '../../src/storage/log-storage.js';

export const ORIGIN = 'example.com/test-log';

export class TestLog {
  readonly key = generateKey(ORIGIN);
  readonly entries: Uint8Array[] = [];
  tree = new MemoryTree();

  constructor(readonly tag = 'a') {}

  grow(n: number): this {
    for (let i = 0; i < n; i++) {
      const e = utf8.encode(`{"i":${this.entries.length},"tag":"${this.tag}"}`);
      this.entries.push(e);
      this.tree = MemoryTree.fromEntries(this.entries);
    }
    return this;
  }

  /** Signed checkpoint of the first `size` entries (default all). */
  checkpoint(size = this.entries.length, skey = this.key.skey): string {
    const text = formatCheckpoint({ origin: ORIGIN, size, root: this.tree.root(size), extensions: [] });
    return signNote(text, signerFromKey(skey));
  }

  proof(oldSize: number, newSize = this.entries.length): Uint8Array[] {
    return consistencyProof(oldSize, newSize, this.tree.nodes);
  }
}

export function witnessKey(name: string): { skey: string; vkey: string } {
  return generateCosignerKey(name);
}

/**
 * Append `entries` to a LogStorage the way the appender does (sequence, integrate
 * tiles, sign a checkpoint with `skey`) — without the appender's background
 * machinery, so tests control exactly when checkpoints appear.
 */
export function appendAndSign(storage: LogStorage, entries: Uint8Array[], skey: string, origin = ORIGIN): string {
  storage.appendBatch(entries);
  const from = storage.integratedSize();
  const up = TileBuilder.open(from, (l, i, w) => storage.readTile(l, i, w)).append(storage.readEntries(from, storage.size()).map(leafHash));
  storage.integrate({ fromSize: from, tree: { size: up.size, root: up.root }, tiles: up.tiles.map(({ level, index, data }) => ({ level, index, data })) });
  const note = signNote(formatCheckpoint({ origin, size: up.size, root: up.root, extensions: [] }), signerFromKey(skey));
  storage.addCheckpoint(up.size, note);
  return note;
}

/** Valid ilog `access` entries (so that `ilog verify` accepts the log), distinct per index and tag. */
export function entriesFor(from: number, n: number, tag = 'a'): Uint8Array[] {
  return Array.from({ length: n }, (_, k) =>
    encodeEntry({ v: 1, kind: 'access', time: '2026-01-01T00:00:00.000Z', source: 'app:fixture', person: `person-${tag}-${from + k}`, action: 'select' }),
  );
}

// A mirror: follows a log over its C2SP tlog-tiles read API (or a tiles
// directory), verifies everything it copies and keeps a complete copy
// (TlogCopy). What "verified" means here:
//   checkpoint  signed by the log key (and, with a policy, cosigned per its quorum);
//   consistency the new checkpoint extends the one already mirrored: a consistency
//               proof computed from the log's own tiles must verify between them;
//   entries     every bundle decodes, and the tree built from the entries is a
//               prefix of the checkpoint's tree (consistency proof per chunk) and
//               finally has exactly its root;
//   tiles       every hash tile the log serves for the copied range is byte-equal
//               to the tile rebuilt from the entries.
// An inconsistent checkpoint stops the mirror with InconsistencyEvidence (both
// checkpoints and the failing proof). Optionally the mirror cosigns what it
// verified (tlog-cosignature), which makes it a witness of its copy.

import { bytesEqual, toHex } from '../ledger/bytes.js';
import { decodeBundle, TILE_WIDTH } from '../ledger/tiles.js';
import { IlogError } from '../ledger/errors.js';
import { leafHash } from '../ledger/hash.js';
import { consistencyProof, treeRoot, verifyConsistency } from '../ledger/merkle.js';
import { signatureLine, type Signer } from '../ledger/note.js';
import { TileBuilder } from '../ledger/tile-builder.js';
import { tileNodeReader } from '../ledger/tile-reader.js';
import { openLogCheckpoint, verifyCheckpointWithPolicy, type OpenedCheckpoint } from './checkpoint-notes.js';
import { inconsistencyError, proofToBase64, type InconsistencyEvidence } from './evidence.js';
import type { Policy } from './policy.js';
import { SourceTiles } from './source-proofs.js';
import type { TlogCopy } from './tlog-copy.js';
import type { TlogSource } from './tlog-source.js';

export interface MirrorOptions {
  source: TlogSource;
  copy: TlogCopy;
  logVkey: string;
  /** Require the checkpoint's cosignatures to meet this policy before copying. */
  policy?: Policy;
  /** Cosign each checkpoint once it is verified and copied. */
  cosigner?: Signer;
  /** Entries verified and stored per step (multiple of 256, default 65,536). */
  chunkEntries?: number;
  /** Bundles fetched at once (default 16). */
  concurrency?: number;
  /** Compare the log's hash tiles with the rebuilt ones (default true). */
  checkTiles?: boolean;
  onProgress?: (size: number, target: number) => void;
}

export interface SyncResult {
  size: number;
  /** Entries copied by this call. */
  copied: number;
}

export class Mirror {
  readonly #o: MirrorOptions;
  readonly #chunk: number;
  #builder: TileBuilder;

  constructor(opts: MirrorOptions) {
    this.#o = opts;
    this.#chunk = Math.max(TILE_WIDTH, Math.floor((opts.chunkEntries ?? 65_536) / TILE_WIDTH) * TILE_WIDTH);
    this.#builder = TileBuilder.open(opts.copy.verifiedSize(), (l, i, w) => opts.copy.readTile(l, i, w));
  }

  get size(): number {
    return this.#builder.size;
  }

  /**
   * Fetch the log's checkpoint and copy up to it. Throws LOG_INCONSISTENT (with
   * InconsistencyEvidence) if the log contradicts what was mirrored before; other
   * errors (network, bad signature) leave the copy as it was.
   */
  async syncOnce(): Promise<SyncResult> {
    const note = await this.#o.source.checkpoint();
    const cp = this.#o.policy ? verifyCheckpointWithPolicy(note, this.#o.policy, { logVkey: this.#o.logVkey }) : openLogCheckpoint(note, this.#o.logVkey);
    const tiles = new SourceTiles(this.#o.source);
    const stored = this.#o.copy.checkpoint();
    const storedCp = stored === undefined ? undefined : openLogCheckpoint(stored, this.#o.logVkey);
    const size = cp.checkpoint.size;
    const start = this.#builder.size;

    if (storedCp) await this.#checkAgainstStored(storedCp, cp, tiles);
    if (size <= start) {
      if (storedCp && size > storedCp.checkpoint.size) await this.#commit(cp);
      return { size: this.#builder.size, copied: 0 };
    }
    for (let from = start; from < size; ) {
      const to = Math.min(size, (Math.floor(from / this.#chunk) + 1) * this.#chunk);
      await this.#copyRange(from, to, cp, tiles);
      from = to;
      this.#o.onProgress?.(from, size);
    }
    await this.#commit(cp);
    return { size, copied: size - start };
  }

  async #commit(cp: OpenedCheckpoint): Promise<void> {
    const served = this.#o.cosigner ? cp.note + signatureLine(cp.text, this.#o.cosigner) : cp.note;
    await this.#o.copy.commitCheckpoint(cp.checkpoint.size, served);
  }

  /** The new checkpoint must describe the same tree as the mirrored one, extended. */
  async #checkAgainstStored(stored: OpenedCheckpoint, cp: OpenedCheckpoint, tiles: SourceTiles): Promise<void> {
    const a = stored.checkpoint;
    const b = cp.checkpoint;
    if (b.size <= a.size) {
      // Ours is the larger tree: prove from our own (verified) tiles that theirs is not its prefix.
      const ours = tileNodeReader(a.size, (l, i, w) => this.#o.copy.readTile(l, i, w));
      if (bytesEqual(treeRoot(b.size, ours), b.root)) return;
      const proof = consistencyProof(b.size, a.size, ours);
      throw this.#evidence(b.size === a.size ? 'fork' : 'inconsistent', stored, cp, b.size, a.size, proof, 'mirror copy', 'the log now signs a tree that is not a prefix of the tree it signed before');
    }
    if (a.size === 0) return;
    const proof = await tiles.withNodes(b.size, (nodes) => consistencyProof(a.size, b.size, nodes));
    try {
      verifyConsistency(a.size, b.size, proof, a.root, b.root);
    } catch (err) {
      throw this.#evidence('inconsistent', stored, cp, a.size, b.size, proof, `${this.#o.source.where} tiles`, (err as Error).message);
    }
  }

  async #copyRange(from: number, to: number, cp: OpenedCheckpoint, tiles: SourceTiles): Promise<void> {
    const size = cp.checkpoint.size;
    const first = Math.floor(from / TILE_WIDTH);
    const last = Math.ceil(to / TILE_WIDTH); // exclusive
    const width = (i: number): number => Math.min(TILE_WIDTH, size - i * TILE_WIDTH);
    const raw = await this.#fetchAll(last - first, (k) => this.#o.source.bundle(first + k, width(first + k)));
    const entries: Uint8Array[] = [];
    raw.forEach((data, k) => {
      const i = first + k;
      let bundle: Uint8Array[];
      try {
        bundle = decodeBundle(data, width(i));
      } catch (err) {
        throw new IlogError('MIRROR_BAD_BUNDLE', `${this.#o.source.where} served a malformed entry bundle ${i}`, { index: i, reason: (err as Error).message });
      }
      // The first bundle may start inside our copy (we held a partial bundle); the last may end past `to` only at `size`.
      const lo = Math.max(from, i * TILE_WIDTH) - i * TILE_WIDTH;
      const hi = Math.min(to, i * TILE_WIDTH + bundle.length) - i * TILE_WIDTH;
      entries.push(...bundle.slice(lo, hi));
    });
    const up = this.#builder.append(entries.map(leafHash));
    try {
      // Verify before storing anything.
      await this.#verifyChunk(from, to, up.root, cp, tiles);
      if (this.#o.checkTiles !== false) await this.#checkServedTiles(up.tiles, size);
      const bundles = raw.map((data, k) => ({ index: first + k, width: width(first + k), data }));
      await this.#o.copy.storeVerified({ fromSize: from, size: to, root: up.root, entries, bundles, tiles: up.tiles });
    } catch (err) {
      // The builder ran ahead of the copy: rebuild it from what is stored.
      this.#builder = TileBuilder.open(this.#o.copy.verifiedSize(), (l, i, w) => this.#o.copy.readTile(l, i, w));
      throw err;
    }
  }

  /** The tree of the first `to` entries (root `root`) must be a prefix of the checkpoint's tree. */
  async #verifyChunk(from: number, to: number, root: Uint8Array, cp: OpenedCheckpoint, tiles: SourceTiles): Promise<void> {
    const size = cp.checkpoint.size;
    const fail = (proof: Uint8Array[], reason: string): IlogError =>
      this.#evidence('bad-entries', cp, cp, to, size, proof, `${this.#o.source.where} tiles`, `entries ${from}..${to - 1} served by the log are not in the tree its checkpoint commits to: ${reason}`);
    if (to === size) {
      if (!bytesEqual(root, cp.checkpoint.root)) throw fail([], `they hash to root ${toHex(root)}`);
      return;
    }
    const proof = await tiles.withNodes(size, (nodes) => consistencyProof(to, size, nodes));
    try {
      verifyConsistency(to, size, proof, root, cp.checkpoint.root);
    } catch (err) {
      throw fail(proof, (err as Error).message);
    }
  }

  async #checkServedTiles(built: { level: number; index: number; width: number; data: Uint8Array }[], size: number): Promise<void> {
    // A static log serves full tiles and the partial tiles of its checkpoint's size only,
    // not the narrower partials a chunk boundary produces: compare those two kinds.
    const servable = built.filter(
      (t) => t.width === TILE_WIDTH || (t.index === Math.floor(size / TILE_WIDTH ** (t.level + 1)) && t.width === Math.floor(size / TILE_WIDTH ** t.level) % TILE_WIDTH),
    );
    const served = await this.#fetchAll(servable.length, (k) => {
      const t = servable[k]!;
      return this.#o.source.tile(t.level, t.index, t.width);
    });
    servable.forEach((t, k) => {
      if (!bytesEqual(served[k]!, t.data)) {
        throw new IlogError('MIRROR_BAD_TILE', `${this.#o.source.where} serves hash tile ${t.level}/${t.index} (width ${t.width}) that does not match its entries`, { level: t.level, index: t.index, width: t.width });
      }
    });
  }

  async #fetchAll(n: number, get: (k: number) => Promise<Uint8Array>): Promise<Uint8Array[]> {
    const out = new Array<Uint8Array>(n);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < n) {
        const k = next++;
        out[k] = await get(k);
      }
    };
    await Promise.all(Array.from({ length: Math.min(n, this.#o.concurrency ?? 16) }, worker));
    return out;
  }

  #evidence(kind: InconsistencyEvidence['kind'], older: OpenedCheckpoint, newer: OpenedCheckpoint, oldSize: number, newSize: number, proof: Uint8Array[], proofSource: string, detail: string): IlogError {
    return inconsistencyError({
      kind,
      origin: newer.checkpoint.origin,
      older: older.note,
      newer: newer.note,
      oldSize,
      newSize,
      proof: proofToBase64(proof),
      proofSource,
      detail,
      seenAt: this.#o.source.where,
      time: new Date().toISOString(),
    });
  }
}

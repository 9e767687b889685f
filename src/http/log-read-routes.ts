// C2SP tlog-tiles v0.1.0 read API: GET /checkpoint, GET /tile/<L>/<N>[.p/<W>],
// GET /tile/entries/<N>[.p/<W>]. Only what the latest signed checkpoint covers
// is public: a tile beyond the published tree is 404 even if it is integrated,
// so that every byte served is committed to by a checkpoint.
import type { FastifyInstance } from 'fastify';
import { IlogError } from '../ledger/errors.js';
import { parseTilePath, tileSpan, TILE_WIDTH } from '../ledger/tiles.js';
import type { LogStorageReader } from '../storage/log-storage.js';
import type { PublishedTree } from './log-published.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
// A partial tile of a given width never changes either, but clients should move on
// to the wider tile soon, so intermediaries must not keep serving it for long.
const SHORT_LIVED = 'public, max-age=5';

/** Hashes that exist at tile level `level` (0 = leaves) in a tree of `size`. */
function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / tileSpan(level));
}

export function registerReadRoutes(app: FastifyInstance, storage: LogStorageReader, published: PublishedTree): void {
  app.get('/checkpoint', async (_req, reply) => {
    const cp = published.latest();
    if (!cp) throw new IlogError('NOT_FOUND', 'the log has no signed checkpoint yet; append an entry or wait for the checkpointer');
    return reply.type('text/plain; charset=utf-8').header('Cache-Control', 'no-cache').send(cp.note);
  });

  app.get('/tile/*', async (req, reply) => {
    const path = 'tile/' + (req.params as { '*': string })['*'];
    const ref = parseTilePath(path);
    const width = ref.width ?? TILE_WIDTH;
    const size = published.latest()?.size ?? 0;
    const available = hashesAtLevel(size, ref.level === 'entries' ? 0 : ref.level);
    if (ref.index * TILE_WIDTH + width > available) {
      throw new IlogError('TILE_MISSING', 'this tile is beyond the published tree; fetch /checkpoint for the current size', { path, treeSize: size });
    }
    const data = ref.level === 'entries' ? storage.readEntryBundle(ref.index, width) : storage.readTile(ref.level, ref.index, width);
    if (data === undefined) throw new IlogError('TILE_MISSING', 'tile not stored', { path, treeSize: size });
    return reply
      .type('application/octet-stream')
      .header('Cache-Control', ref.width === undefined ? IMMUTABLE : SHORT_LIVED)
      .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
}

// Read-only sources through the LogReader contract: a static tiles directory
// (what mirrors write) and a log served over HTTP (the tlog-tiles read API).
import { leafHash } from '../../src/ledger/hash.js';
import { TileBuilder } from '../../src/ledger/tile-builder.js';
import { encodeBundle, TILE_WIDTH } from '../../src/ledger/tiles.js';
import { createLogServer, listen } from '../../src/http/log-server.js';
import { HttpTilesReader } from '../../src/storage/http/http-tiles.js';
import { asyncReader } from '../../src/storage/log-reader.js';
import type { LogStorage } from '../../src/storage/log-storage.js';
import { TilesDir } from '../../src/storage/tiles-dir/tiles-dir.js';
import { TilesDirStorage } from '../../src/storage/tiles-dir/tiles-dir-storage.js';
import { describeLogReader } from './reader-conformance.js';

/** Writes every tile and bundle of `ref`'s tree into a tiles directory, checkpoint last. */
async function writeTilesDir(ref: LogStorage, root: string): Promise<void> {
  const dir = TilesDir.open(root);
  const size = ref.integratedSize();
  const entries = ref.readEntries(0, size);
  const bundles = [];
  for (let i = 0; i * TILE_WIDTH < size; i++) {
    const part = entries.slice(i * TILE_WIDTH, (i + 1) * TILE_WIDTH);
    bundles.push({ level: 'entries' as const, index: i, width: part.length, data: encodeBundle(part) });
  }
  await dir.writeTiles([...bundles, ...TileBuilder.empty().append(entries.map(leafHash)).tiles]);
  const note = ref.latestCheckpoint();
  if (note !== undefined) dir.writeCheckpoint(note);
}

describeLogReader('tiles directory', async (ref, root) => {
  await writeTilesDir(ref, root);
  return { reader: asyncReader(new TilesDirStorage(root)) };
});

describeLogReader('HTTP tiles source', async (ref) => {
  const app = await createLogServer({ storage: ref });
  const url = await listen(app, '127.0.0.1', 0);
  return { reader: new HttpTilesReader(url), stop: () => app.close() };
});

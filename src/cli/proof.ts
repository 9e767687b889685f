// `ilog proof inclusion <index> [--size N]` and `ilog proof consistency <old> <new>`:
// RFC 9162 proofs from the tiles in --dir (hashes printed base64, one per line).
import type { Command } from 'commander';
import { IlogError } from '../ledger/errors.js';
import type { LogStorage } from '../storage/log-storage.js';
import type { TileCache } from '../storage/tile-cache.js';
import { action, parseCount, withCommonOptions } from './common.js';
import { withReadOnly } from './log-open.js';
import { printResult, usageError, type GlobalOptions } from './output.js';

async function publishedSize(storage: LogStorage): Promise<number> {
  const note = storage.latestCheckpoint();
  if (note === undefined) throw new IlogError('NO_CHECKPOINT', 'the log has no checkpoint yet');
  const { parseCheckpoint } = await import('../ledger/checkpoint.js');
  const { parseNote } = await import('../ledger/note.js');
  return parseCheckpoint(parseNote(note).text).size;
}

async function checkSize(storage: LogStorage, size: number): Promise<void> {
  const published = await publishedSize(storage);
  if (size > published) throw usageError(`size ${size} is beyond the latest checkpoint (${published})`, { size, published });
}

async function tilesOf(storage: LogStorage): Promise<TileCache> {
  const { TileCache } = await import('../storage/tile-cache.js');
  return new TileCache((l, i, w) => storage.readTile(l, i, w));
}

export function register(program: Command): void {
  const proof = program.command('proof').description('print Merkle inclusion or consistency proofs');

  withCommonOptions(
    proof
      .command('inclusion')
      .description('inclusion proof of entry <index> in the tree of --size entries (default: latest checkpoint)')
      .argument('<index>', 'entry index', parseCount)
      .option('--size <n>', 'tree size', parseCount),
  ).action(
    action<GlobalOptions & { size?: number }, [number]>((opts, index) =>
      withReadOnly(opts.dir, async (storage) => {
        const size = opts.size ?? (await publishedSize(storage));
        await checkSize(storage, size);
        if (index >= size) throw usageError(`index ${index} is not below size ${size}`, { index, size });
        const { inclusionProof } = await import('../ledger/merkle.js');
        const { toBase64 } = await import('../ledger/bytes.js');
        const hashes = inclusionProof(index, size, (await tilesOf(storage)).nodeReader(size)).map(toBase64);
        printResult(opts.json, { index, size, proof: hashes }, hashes.join('\n'));
      }),
    ),
  );

  withCommonOptions(
    proof
      .command('consistency')
      .description('consistency proof between tree sizes <old> and <new>')
      .argument('<old>', 'old tree size', parseCount)
      .argument('<new>', 'new tree size', parseCount),
  ).action(
    action<GlobalOptions, [number, number]>((opts, oldSize, newSize) =>
      withReadOnly(opts.dir, async (storage) => {
        await checkSize(storage, newSize);
        if (oldSize > newSize) throw usageError('<old> must not exceed <new>', { old: oldSize, new: newSize });
        const { consistencyProof } = await import('../ledger/merkle.js');
        const { toBase64 } = await import('../ledger/bytes.js');
        const hashes = consistencyProof(oldSize, newSize, (await tilesOf(storage)).nodeReader(newSize)).map(toBase64);
        printResult(opts.json, { old: oldSize, new: newSize, proof: hashes }, hashes.join('\n'));
      }),
    ),
  );
}

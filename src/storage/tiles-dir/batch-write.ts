// Writing many tiles durably and atomically. Each file is written to a temp
// name, fsync'd and renamed over its path (as storage/durable-file.ts does for
// one file), but a batch runs several at once — a catch-up writes thousands of
// tiles and fsync latency, not bandwidth, is the bottleneck — and fsyncs each
// directory once at the end, after all its renames.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../durable-file.js';

const PARALLEL_WRITES = 16;
let counter = 0;

async function writeOne(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${counter++}.tmp`;
  const fh = await fs.open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Durably write `files` (absolute paths); when it resolves every file and rename is on disk. */
export async function writeFilesDurable(files: readonly { file: string; data: Uint8Array }[]): Promise<void> {
  const dirs = new Set<string>();
  for (let i = 0; i < files.length; i += PARALLEL_WRITES) {
    await Promise.all(
      files.slice(i, i + PARALLEL_WRITES).map(async ({ file, data }) => {
        const dir = path.dirname(file);
        if (!dirs.has(dir)) {
          await fs.mkdir(dir, { recursive: true });
          dirs.add(dir);
        }
        await writeOne(file, data);
      }),
    );
  }
  for (const d of dirs) fsyncDir(d);
}

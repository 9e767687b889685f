// `ilog export --out FILE`: records appended to a file, exactly once across kills.
// Each batch is written at the file's end and fdatasynced before the cursor records
// the new length (exporter.ts: flushed(), then cursor.settle(next, bytes)); so the
// file is never shorter than the cursor says, and whatever lies beyond that length
// is a batch whose cursor move did not happen. Opening cuts the file back to the
// cursor's length (fsynced) and writes from there: a kill at any point (SIGKILL, a
// crash, power loss) neither loses nor repeats a record. A file shorter than the
// cursor's length was cut or replaced by someone else: refused.
import { close, constants, fdatasync, fstatSync, ftruncateSync, fsyncSync, openSync, write } from 'node:fs';
import { IlogError } from '../ledger/errors.js';
import type { ExportCursor } from './cursor.js';
import type { Sink } from './syslog.js';

export async function openFileSink(path: string, cursor: ExportCursor | undefined): Promise<Sink> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (e) {
    throw new IlogError('EXPORT_OUTPUT_FAILED', `cannot open --out ${path}: ${(e as Error).message}`, { path });
  }
  let position = fstatSync(fd).size;
  const vouched = cursor?.bytes;
  if (vouched !== undefined) {
    if (position < vouched) throw new IlogError('EXPORT_CURSOR_MISMATCH', `--out ${path} holds ${position} bytes but the cursor ${cursor!.path} vouches for ${vouched}: the file was cut or replaced; restore it, or start a new file with a new cursor`, { path, bytes: position, cursorBytes: vouched });
    if (position > vouched) {
      // The batch written after the last cursor move: its records are sent again from the cursor.
      ftruncateSync(fd, vouched);
      fsyncSync(fd);
      position = vouched;
    }
  } else if (cursor) {
    // A new cursor starts at the file's end, on disk before the first record is written.
    await cursor.settle(cursor.next, position);
  }
  let lastWrite: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  const fail = (e: Error): never => {
    failure ??= new IlogError('EXPORT_OUTPUT_FAILED', `writing --out ${path} failed: ${e.message}; restart the export to resume from its cursor`, { path });
    throw failure;
  };
  const writeAll = (chunk: Buffer, at: number): Promise<void> =>
    new Promise((resolve, reject) =>
      write(fd, chunk, 0, chunk.length, at, (e, n) => {
        if (e) return reject(e);
        if (n < chunk.length) return writeAll(chunk.subarray(n), at + n).then(resolve, reject);
        resolve();
      }),
    );
  return {
    write(chunk) {
      if (failure) throw failure;
      const previous = lastWrite;
      const at = position;
      position += chunk.length;
      lastWrite = previous.then(() => writeAll(chunk, at)).catch(fail);
      return chunk.length;
    },
    async flushed() {
      await lastWrite;
      await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve()))).catch(fail);
    },
    length: () => position,
    close: () => lastWrite.catch(() => {}).then(() => new Promise<void>((resolve) => close(fd, () => resolve()))),
  };
}

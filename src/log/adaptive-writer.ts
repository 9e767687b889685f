// Where a commit runs, chosen by how long commits take (issue #11, bench:proxy).
// A commit on the writer thread costs a thread hop each way: on this 2-core VM,
// with the log on tmpfs, the proxy used 660–1,180 µs of CPU per pgbench statement
// with the writer thread against 330–390 µs inline, and one client waited
// 1.6–2.0 ms against 0.9–1.1 ms (docs/proxy.md, "Third round"). But an inline
// commit holds the event loop for its fsync, which on a busy disk is milliseconds.
// So: commit inline while recent commits took under `maxInlineMs`, on the thread
// otherwise; the thread's own timings tell when the disk is quick again.
// Order is kept: an inline write is complete when its call returns, and a write
// goes inline only when nothing sent to the thread is still unanswered.
import type { LogStorage } from '../storage/log-storage.js';
import type { SqliteStorageOptions } from '../storage/sqlite/sqlite-storage.js';
import { inlineWriter, threadWriter, type StorageWriter, type ThreadWriter, type WriterOpStats } from './appender-writer.js';

export interface AdaptiveWriterOptions {
  /** Commit inline while the recent append commit time is below this (ms, default 1); read at every write. */
  maxInlineMs?: number;
  /** The writer thread to use (default: a new one on `dir`); tests pass one whose calls they hold back. */
  thread?: ThreadWriter;
}

/** Weight of the newest append's commit time in the running estimate. */
const ALPHA = 0.2;

export function adaptiveWriter(
  storage: LogStorage,
  dir: string,
  storageOptions: SqliteStorageOptions = {},
  o: AdaptiveWriterOptions = {},
): StorageWriter & { readonly mode: 'inline' | 'thread'; readonly ops: WriterOpStats; readonly ready: Promise<void> } {
  const inline = inlineWriter(storage);
  const thread = o.thread ?? threadWriter(dir, storageOptions);
  let threadUp = false;
  thread.ready.then(() => (threadUp = true), () => {});
  /** Calls sent to the thread and not answered yet: while there are any, every write goes there too. */
  let onThread = 0;
  /** Recent time of one append commit (ms), wherever it ran. */
  let commitMs = 0;
  const observe = (ms: number): void => void (commitMs = commitMs === 0 ? ms : (1 - ALPHA) * commitMs + ALPHA * ms);
  const useThread = (): boolean => threadUp && (onThread > 0 || commitMs > (o.maxInlineMs ?? 1));
  const onThreadCall = async <T>(call: () => Promise<T>): Promise<T> => {
    onThread++;
    try {
      return await call();
    } finally {
      onThread--;
    }
  };
  return {
    get mode() {
      return useThread() ? 'thread' : 'inline';
    },
    ops: thread.ops,
    /** The writer thread is up. */
    ready: thread.ready,
    appendBatch(entries) {
      if (useThread()) {
        const { n, execMs } = thread.ops.append;
        return onThreadCall(async () => {
          const first = await thread.appendBatch(entries);
          const a = thread.ops.append;
          observe((a.execMs - execMs) / Math.max(1, a.n - n)); // the thread's time per append meanwhile
          return first;
        });
      }
      const started = performance.now();
      const done = inline.appendBatch(entries); // synchronous work: durable when this returns
      observe(performance.now() - started);
      return done;
    },
    // Integration and checkpoint writes follow the appends: a hop for them costs the same, and a write
    // on the thread sends every write after it there until it is answered.
    integrate: (step) => (useThread() ? onThreadCall(() => thread.integrate(step)) : inline.integrate(step)),
    addCheckpoint: (size, note) => (useThread() ? onThreadCall(() => thread.addCheckpoint(size, note)) : inline.addCheckpoint(size, note)),
    close: () => thread.close(),
  };
}

// One socket write per burst of frames. The proxy relays a statement's request
// and its answer as several small frames (Parse/Bind/Execute/Sync; RowDescription,
// DataRow, CommandComplete, ReadyForQuery); written one by one, or corked into a
// writev, each burst cost Node's per-chunk stream bookkeeping and, on this VM, a
// syscall whose wall time dominated the main thread's profile (docs/proxy.md,
// "Where the time goes"). Here a burst is gathered and written once: at the end
// of the synchronous work that produced it (flush), or at the latest in a
// microtask after its first frame.
import type { Socket } from 'node:net';

/** Bursts up to this size are copied into one buffer; larger ones go as one writev. */
const CONCAT_MAX = 64 * 1024;

export class CoalescedWriter {
  #socket: Socket;
  #bufs: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  #onFull: () => void;

  /** `onFull`: called when the socket's buffer is full after a write (pause the producer until 'drain'). */
  constructor(socket: Socket, onFull: () => void = () => {}) {
    this.#socket = socket;
    this.#onFull = onFull;
  }

  write(b: Buffer): void {
    this.#bufs.push(b);
    this.#bytes += b.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Writes what was gathered, in one call. */
  flush(): void {
    this.#scheduled = false;
    const bufs = this.#bufs;
    if (bufs.length === 0) return;
    const bytes = this.#bytes;
    this.#bufs = [];
    this.#bytes = 0;
    const s = this.#socket;
    if (s.destroyed || s.writableEnded) return;
    let ok: boolean;
    if (bufs.length === 1) ok = s.write(bufs[0]!);
    else if (bytes <= CONCAT_MAX) ok = s.write(Buffer.concat(bufs, bytes));
    else {
      s.cork();
      for (const b of bufs) s.write(b);
      s.uncork();
      ok = !s.writableNeedDrain;
    }
    if (!ok) this.#onFull();
  }
}

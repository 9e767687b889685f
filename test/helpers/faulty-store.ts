// A fault-injecting LogStore for tests (as Sunlight's test backends): wraps a
// real store and, on command, makes writes fail before they take effect, tear
// (take effect, then report failure: the acknowledgement was lost), or run
// slowly. Reads pass through (slowed too). Everything it does is counted, so a
// test can assert that the fault it armed really fired.

import { IlogError, type ErrorCode } from '../../src/ledger/errors.js';
import type { LogStore } from '../../src/storage/log-reader.js';
import type { Integration } from '../../src/storage/log-storage.js';

export type WriteOp = 'append' | 'integrate' | 'checkpoint';

export interface Fault {
  /** 'fail': rejected, no effect. 'tear': takes effect, then rejected. */
  kind: 'fail' | 'tear';
  /** How many of the next calls of this op it hits (default 1). */
  times?: number;
  code?: ErrorCode;
}

export class FaultyStore implements LogStore {
  readonly inner: LogStore;
  /** Delay added to every call (ms). */
  delayMs = 0;
  readonly fired: Record<WriteOp, { fail: number; tear: number }> = { append: { fail: 0, tear: 0 }, integrate: { fail: 0, tear: 0 }, checkpoint: { fail: 0, tear: 0 } };
  readonly #armed = new Map<WriteOp, Required<Fault>[]>();

  constructor(inner: LogStore) {
    this.inner = inner;
  }

  /** Arm a fault for the next call(s) of `op`. */
  inject(op: WriteOp, fault: Fault): this {
    const list = this.#armed.get(op) ?? [];
    list.push({ times: 1, code: 'STORAGE_ERROR', ...fault });
    this.#armed.set(op, list);
    return this;
  }

  async #slow(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  async #write<T>(op: WriteOp, run: () => Promise<T>): Promise<T> {
    await this.#slow();
    const list = this.#armed.get(op);
    const fault = list?.[0];
    if (!fault) return run();
    if (--fault.times <= 0) list.shift();
    this.fired[op][fault.kind]++;
    const error = new IlogError(fault.code, `injected ${fault.kind} of ${op}`, { op, injected: fault.kind });
    if (fault.kind === 'fail') throw error;
    await run();
    throw error;
  }

  appendBatch(entries: readonly Uint8Array[]): Promise<{ first: number; count: number }> {
    return this.#write('append', () => this.inner.appendBatch(entries));
  }

  integrate(step: Integration): Promise<boolean> {
    return this.#write('integrate', () => this.inner.integrate(step));
  }

  addCheckpoint(size: number, note: string): Promise<boolean> {
    return this.#write('checkpoint', () => this.inner.addCheckpoint(size, note));
  }

  async size(): Promise<number> {
    await this.#slow();
    return this.inner.size();
  }

  async treeState(): Promise<{ size: number; root: Uint8Array }> {
    await this.#slow();
    return this.inner.treeState();
  }

  async readEntries(from: number, to: number, limit?: number): Promise<Uint8Array[]> {
    await this.#slow();
    return this.inner.readEntries(from, to, limit);
  }

  async readTile(level: number, index: number, width?: number): Promise<Uint8Array | undefined> {
    await this.#slow();
    return this.inner.readTile(level, index, width);
  }

  async readEntryBundle(index: number, width?: number): Promise<Uint8Array | undefined> {
    await this.#slow();
    return this.inner.readEntryBundle(index, width);
  }

  async latestCheckpoint(): Promise<string | undefined> {
    await this.#slow();
    return this.inner.latestCheckpoint();
  }

  async checkpoints(fromSize?: number, limit?: number): Promise<{ size: number; note: string }[]> {
    await this.#slow();
    return this.inner.checkpoints(fromSize, limit);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// Splits a byte stream into PostgreSQL protocol v3 frames: a type byte and an
// int32 length that counts itself (startup-phase packets have no type byte).
// The length is checked against a maximum before anything is buffered for it,
// so a peer announcing a 2 GB message costs nothing.
import { violation } from './reader.js';

export interface Frame {
  /** Message type byte, or 0 for an untyped startup-phase packet. */
  type: number;
  /** Body without type and length. A view on `raw`. */
  body: Buffer;
  /** The whole frame as received, for zero-copy forwarding. */
  raw: Buffer;
}

export const DEFAULT_MAX_MESSAGE = 64 * 1024 * 1024;
// PostgreSQL's own limit is 10,000 bytes; the proxy reads up to 64 KiB so that an
// over-long purpose option gets its own error (IL005), not "invalid message length".
const MAX_STARTUP = 64 * 1024;

export class FrameReader {
  #pending: Buffer | undefined;
  #max: number;
  /** When true, the next frame is an untyped startup packet. */
  startup: boolean;

  constructor(opts: { startup?: boolean; maxMessage?: number } = {}) {
    this.startup = opts.startup ?? false;
    this.#max = opts.maxMessage ?? DEFAULT_MAX_MESSAGE;
  }

  push(chunk: Buffer): void {
    this.#pending = this.#pending && this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#pending?.length ?? 0;
  }

  /** Returns the next complete frame, undefined when more bytes are needed; throws PROTOCOL_VIOLATION. */
  next(): Frame | undefined {
    const buf = this.#pending;
    if (!buf) return undefined;
    const header = this.startup ? 4 : 5;
    if (buf.length < header) return undefined;
    const len = buf.readInt32BE(header - 4);
    const limit = this.startup ? MAX_STARTUP : this.#max;
    if (len < 4 || len > limit) throw violation(`invalid message length ${len}`, { type: this.startup ? 'startup' : String.fromCharCode(buf[0]!), length: len, max: limit });
    const total = len + header - 4;
    if (buf.length < total) return undefined;
    const raw = buf.subarray(0, total);
    this.#pending = buf.length === total ? undefined : buf.subarray(total);
    const frame = { type: this.startup ? 0 : raw[0]!, body: raw.subarray(header), raw };
    this.startup = false;
    return frame;
  }

  /** Hands back whatever was buffered but not framed (used when switching to TLS or passthrough). */
  takeRest(): Buffer | undefined {
    const b = this.#pending;
    this.#pending = undefined;
    return b;
  }
}

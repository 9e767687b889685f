// Bounds-checked reading of PostgreSQL wire protocol v3 message bodies
// (https://www.postgresql.org/docs/15/protocol-message-formats.html).
// Every byte comes from an untrusted peer: each read checks the remaining
// length first and fails with a coded error instead of reading past the end.
import { IlogError } from '../../../ledger/errors.js';

export function violation(message: string, evidence?: Record<string, unknown>): IlogError {
  return new IlogError('PROTOCOL_VIOLATION', message, evidence);
}

export class BodyReader {
  #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number, what: string): void {
    if (n < 0 || this.#pos + n > this.#buf.length) throw violation(`message too short while reading ${what}`, { need: n, have: this.remaining });
  }

  int16(): number {
    this.#need(2, 'int16');
    const v = this.#buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }

  int32(): number {
    this.#need(4, 'int32');
    const v = this.#buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  byte(): number {
    this.#need(1, 'byte');
    return this.#buf[this.#pos++]!;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.#buf.indexOf(0, this.#pos);
    if (end < 0) throw violation('unterminated string in message');
    const s = this.#buf.toString('utf8', this.#pos, end);
    this.#pos = end + 1;
    return s;
  }

  /** n bytes as a view on the message (no copy). */
  bytes(n: number): Buffer {
    this.#need(n, 'bytes');
    const b = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}

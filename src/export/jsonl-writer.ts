// The jsonl export's common case, written straight into the batch's buffer: the
// record `{"index","leafHash","origin","entry"}` with the entry's stored bytes, one
// per line or as an RFC 5424 message in an octet-counting frame (syslog.ts), the
// same bytes as the general path (record.ts jsonlParts + syslog.ts syslogMessage,
// compared in test/export/render.test.ts) without decoding or parsing the entry:
// the header's three fields come from entry-scan.ts. What it cannot write that way
// (see write()) is left to the general path.
import { isUtf8 } from 'node:buffer';
import { HASH_SIZE } from '../ledger/hash.js';
import { digitCount, type BatchBuffer } from './batch-buffer.js';
import { entrySpans, scanEntry } from './entry-scan.js';
import { MSGID_MAX, SYSLOG_HOST, TIMESTAMP_MAX, sdParam, syslogPri } from './syslog.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Whether bytes [s, e) of `b` are 1 to `max` RFC 5424 PRINTUSASCII characters (the general path would keep them as they are). */
function printableSpan(b: Uint8Array, s: number, e: number, max: number): boolean {
  if (e <= s || e - s > max) return false;
  for (let i = s; i < e; i++) if (b[i]! < 0x21 || b[i]! > 0x7e) return false;
  return true;
}

export class JsonlWriter {
  readonly #syslog: boolean;
  readonly #spans = entrySpans();
  // The record's constant parts, as bytes.
  readonly #h1 = ascii('>1 ');
  readonly #h2 = ascii(` ${SYSLOG_HOST} ilog - `);
  readonly #h3 = ascii(' [ilog@32473 index="');
  readonly #h4 = ascii('" leafHash="');
  readonly #h5: Buffer;
  readonly #j1 = ascii('{"index":');
  readonly #j2 = ascii(',"leafHash":"');
  readonly #j3: Buffer;
  readonly #j4 = ascii('}');
  // The last kind seen and its PRI (consecutive records mostly share a kind).
  #kind = '';
  #kindBytes = Buffer.alloc(0);
  #pri = 0;

  constructor(origin: string, syslog: boolean) {
    this.#syslog = syslog;
    this.#h5 = Buffer.from(`" origin="${sdParam(origin)}"] \uFEFF`, 'utf8');
    this.#j3 = Buffer.from(`","origin":${JSON.stringify(origin)},"entry":`, 'utf8');
  }

  /**
   * Writes the record of entry `index` (`entry`, leaf hash at `hashes[hashAt..+32]`) into
   * `out`. False, with nothing written, when the entry is not one the scan accepts, is not
   * UTF-8, or its kind or time would be changed by the header (not printable ASCII, empty, too long).
   */
  write(out: BatchBuffer, index: number, entry: Buffer, hashes: Uint8Array, hashAt: number): boolean {
    const sp = this.#spans;
    if (!scanEntry(entry, sp)) return false;
    const [ks, ke, ts, te, ss, se] = sp as unknown as [number, number, number, number, number, number];
    if (!printableSpan(entry, ks, ke, MSGID_MAX) || !printableSpan(entry, ts, te, TIMESTAMP_MAX) || !isUtf8(entry)) return false;
    const indexDigits = digitCount(index);
    const body = this.#j1.length + indexDigits + this.#j2.length + 2 * HASH_SIZE + this.#j3.length + entry.length + this.#j4.length;
    if (!this.#syslog) {
      out.reserve(body + 1);
      this.#body(out, index, entry, hashes, hashAt);
      out.byte(0x0a);
      return true;
    }
    if (entry.compare(this.#kindBytes, 0, this.#kindBytes.length, ks, ke) !== 0) {
      this.#kind = entry.toString('latin1', ks, ke);
      this.#kindBytes = Buffer.from(this.#kind, 'latin1');
      this.#pri = syslogPri(this.#kind, undefined);
    }
    // An alert's PRI depends on its severity (ASCII when the scan found it plain; anything else is no known severity).
    const pri = this.#kind === 'alert.raised' && ss >= 0 ? syslogPri(this.#kind, entry.toString('latin1', ss, se)) : this.#pri;
    const message =
      1 + digitCount(pri) + this.#h1.length + (te - ts) + this.#h2.length + (ke - ks) + this.#h3.length + indexDigits + this.#h4.length + 2 * HASH_SIZE + this.#h5.length + body;
    out.reserve(digitCount(message) + 1 + message);
    out.digits(message);
    out.byte(0x20);
    out.byte(0x3c); // <
    out.digits(pri);
    out.bytes(this.#h1);
    out.bytes(entry, ts, te);
    out.bytes(this.#h2);
    out.bytes(entry, ks, ke);
    out.bytes(this.#h3);
    out.digits(index);
    out.bytes(this.#h4);
    out.hex(hashes, hashAt, hashAt + HASH_SIZE);
    out.bytes(this.#h5);
    this.#body(out, index, entry, hashes, hashAt);
    return true;
  }

  #body(out: BatchBuffer, index: number, entry: Buffer, hashes: Uint8Array, hashAt: number): void {
    out.bytes(this.#j1);
    out.digits(index);
    out.bytes(this.#j2);
    out.hex(hashes, hashAt, hashAt + HASH_SIZE);
    out.bytes(this.#j3);
    out.bytes(entry);
    out.bytes(this.#j4);
  }
}

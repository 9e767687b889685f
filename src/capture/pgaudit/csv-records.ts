// Splitting PostgreSQL's csvlog (log_destination = 'csvlog', PG 15: 26 columns
// per record, RFC 4180 quoting, records may span lines) into records. The log
// is attacker-influenced (query texts, application names, role names are
// chosen by whoever connects), so parsing is bounded and only complete records
// — ending in a newline outside quotes — are returned; a torn tail is left for
// the next read.
import { IlogError } from '../../ledger/errors.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const NL = 0x0a;
const CR = 0x0d;

/** A record longer than this is refused rather than buffered without end. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;

export interface CsvRecord {
  fields: string[];
  /** Byte offsets (within the buffer passed in) of the record's start and just past its newline. */
  start: number;
  end: number;
}

/**
 * Parses every complete record in `buf`. Returns them and `consumed`, the offset
 * just past the last complete record (the caller keeps the rest for later).
 */
export function splitCsvRecords(buf: Buffer, maxFields = 64): { records: CsvRecord[]; consumed: number } {
  const records: CsvRecord[] = [];
  let recStart = 0;
  let fields: string[] = [];
  let i = 0;
  const n = buf.length;
  while (i < n) {
    // One field starting at i.
    let value: string;
    if (buf[i] === QUOTE) {
      let j = i + 1;
      let hasEscapes = false;
      for (;;) {
        const q = buf.indexOf(QUOTE, j);
        if (q < 0) return done();
        if (buf[q + 1] === QUOTE) {
          hasEscapes = true;
          j = q + 2;
          continue;
        }
        if (q + 1 >= n) return done();
        value = buf.toString('utf8', i + 1, q);
        if (hasEscapes) value = value.replaceAll('""', '"');
        i = q + 1;
        break;
      }
    } else {
      let j = i;
      while (j < n && buf[j] !== COMMA && buf[j] !== NL) j++;
      if (j >= n) return done();
      value = buf.toString('utf8', i, buf[j - 1] === CR && buf[j] === NL ? j - 1 : j);
      i = j;
    }
    if (fields.length >= maxFields) throw new IlogError('SERVER_LOG_MALFORMED', `a csvlog record has more than ${maxFields} fields: is log_destination really csvlog?`, { offset: recStart });
    fields.push(value);
    const sep = buf[i];
    if (sep === COMMA) {
      i++;
      if (i >= n) return done();
      if (buf[i] === NL) {
        // Trailing empty field.
        fields.push('');
        i++;
        records.push({ fields, start: recStart, end: i });
        recStart = i;
        fields = [];
      }
      continue;
    }
    if (sep === CR && buf[i + 1] === NL) i++;
    if (buf[i] !== NL) throw new IlogError('SERVER_LOG_MALFORMED', 'a csvlog field is followed by neither a comma nor a newline', { offset: i });
    i++;
    records.push({ fields, start: recStart, end: i });
    recStart = i;
    fields = [];
  }
  return done();

  function done(): { records: CsvRecord[]; consumed: number } {
    if (n - recStart > MAX_RECORD_BYTES) throw new IlogError('SERVER_LOG_MALFORMED', `a csvlog record exceeds ${MAX_RECORD_BYTES} bytes`, { offset: recStart });
    return { records, consumed: recStart };
  }
}

/** Splits one CSV line held in a string (pgAudit's message: AUDIT: SESSION,1,1,READ,…), at most `max` fields. */
export function splitCsvLine(s: string, max: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (out.length < max && i <= s.length) {
    if (s.charCodeAt(i) === QUOTE) {
      let j = i + 1;
      let v = '';
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) {
          v += s.slice(j);
          i = s.length + 1;
          break;
        }
        v += s.slice(j, q);
        if (s.charCodeAt(q + 1) === QUOTE) {
          v += '"';
          j = q + 2;
          continue;
        }
        i = q + 2; // past the quote and the comma
        break;
      }
      out.push(v);
    } else {
      const c = s.indexOf(',', i);
      const end = c < 0 || out.length === max - 1 ? s.length : c;
      out.push(s.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

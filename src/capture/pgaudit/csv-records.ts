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
 * Finds every complete record in `buf` without decoding it: returns the offset
 * just past each record's newline (in order) and `consumed`, the offset just
 * past the last complete record (the caller keeps the rest for later). A record
 * ends at a newline preceded by an even number of quotes (RFC 4180: a quote
 * inside a quoted field is doubled).
 */
export function csvRecordEnds(buf: Buffer): { ends: number[]; consumed: number } {
  const ends: number[] = [];
  const n = buf.length;
  let recStart = 0;
  let from = 0;
  let quotes = 0;
  while (from < n) {
    const nl = buf.indexOf(NL, from);
    if (nl < 0) break;
    for (let q = buf.indexOf(QUOTE, from); q >= 0 && q < nl; q = buf.indexOf(QUOTE, q + 1)) quotes++;
    from = nl + 1;
    if (quotes % 2 === 1) continue; // the newline is inside a quoted field
    ends.push(from);
    recStart = from;
    quotes = 0;
  }
  if (n - recStart > MAX_RECORD_BYTES) throw new IlogError('SERVER_LOG_MALFORMED', `a csvlog record exceeds ${MAX_RECORD_BYTES} bytes`, { offset: recStart });
  return { ends, consumed: recStart };
}

/** Decodes the record in buf[start, end) (`end` just past its newline, as csvRecordEnds gives it). */
export function decodeCsvRecord(buf: Buffer, start: number, end: number, maxFields = 64): string[] {
  let stop = end - 1; // the newline
  if (stop > start && buf[stop - 1] === CR) stop--;
  return splitCsvFields(buf.toString('utf8', start, stop), maxFields, start);
}

/** Every complete record in `buf`, decoded (see csvRecordEnds). */
export function splitCsvRecords(buf: Buffer, maxFields = 64): { records: CsvRecord[]; consumed: number } {
  const { ends, consumed } = csvRecordEnds(buf);
  const records: CsvRecord[] = [];
  let start = 0;
  for (const end of ends) {
    records.push({ fields: decodeCsvRecord(buf, start, end, maxFields), start, end });
    start = end;
  }
  return { records, consumed };
}

/** Splits one complete CSV record (strict RFC 4180: a closing quote is followed by a comma or the end). */
function splitCsvFields(s: string, maxFields: number, offset: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (out.length >= maxFields) throw new IlogError('SERVER_LOG_MALFORMED', `a csvlog record has more than ${maxFields} fields: is log_destination really csvlog?`, { offset });
    if (s.charCodeAt(i) === QUOTE) {
      let j = i + 1;
      let v = '';
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) throw new IlogError('SERVER_LOG_MALFORMED', 'a csvlog field has no closing quote', { offset });
        v += s.slice(j, q);
        if (s.charCodeAt(q + 1) === QUOTE) {
          v += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i === s.length) return out;
      if (s.charCodeAt(i) !== COMMA) throw new IlogError('SERVER_LOG_MALFORMED', 'a csvlog field is followed by neither a comma nor a newline', { offset: offset + i });
      i++;
    } else {
      const c = s.indexOf(',', i);
      if (c < 0) {
        out.push(s.slice(i));
        return out;
      }
      out.push(s.slice(i, c));
      i = c + 1;
    }
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

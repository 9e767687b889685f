// A byte scan of one stored entry (RFC 8259 JSON text, RFC 8785 canonical when ilog
// wrote it) that finds the top-level string members the syslog header needs (`kind`,
// `time`, `severity`) without decoding or parsing the entry: the jsonl export copies
// the entry's bytes as they are, so a parse per record only served three fields.
//
// The bytes are attacker-controlled (the appender takes raw bytes; a tampered log is
// caught by the proven read, not here). The scan accepts only what it can embed as the
// value of `entry` without changing the record around it: one object from the first
// byte to the last, strings closed, no byte below 0x20 (so no line break), and the
// outer object closed by the last byte only, so nothing inside can end the `entry`
// value early and add members (a second "index") to the record. Anything else, and a
// wanted field that is not a plain ASCII string without escapes, is refused (false):
// the caller then takes the general path (JSON.parse), which decides as before.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Offsets of the wanted members' string contents: [kindStart, kindEnd, timeStart, timeEnd, severityStart, severityEnd] (-1 when absent). */
export type EntrySpans = Int32Array;

export function entrySpans(): EntrySpans {
  return new Int32Array(6);
}

/** Which wanted key the bytes [s, e) name: 0 kind, 2 time, 4 severity, -1 none. */
function wanted(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 4) {
    if (b[s] === 0x6b && b[s + 1] === 0x69 && b[s + 2] === 0x6e && b[s + 3] === 0x64) return 0; // kind
    if (b[s] === 0x74 && b[s + 1] === 0x69 && b[s + 2] === 0x6d && b[s + 3] === 0x65) return 2; // time
  } else if (n === 8 && b[s] === 0x73 && b[s + 1] === 0x65 && b[s + 2] === 0x76 && b[s + 3] === 0x65 && b[s + 4] === 0x72 && b[s + 5] === 0x69 && b[s + 6] === 0x74 && b[s + 7] === 0x79) return 4; // severity
  return -1;
}

/**
 * Scans `b` (see the top of this file); on true, `out` holds the spans of `kind` and
 * `time` (both present, ASCII, no escapes) and of `severity` (or -1).
 */
export function scanEntry(b: Uint8Array, out: EntrySpans): boolean {
  const n = b.length;
  if (n < 2 || b[0] !== 0x7b || b[n - 1] !== 0x7d) return false;
  out.fill(-1);
  let depth = 0;
  // At depth 1: whether the next string is a member name, and which wanted member the current value is.
  let expectKey = false;
  let member = -1;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 0x20) return false;
    if (c === QUOTE) {
      const s = i + 1;
      let escaped = false;
      let ascii = true;
      for (i = s; i < n; i++) {
        const d = b[i]!;
        if (d === QUOTE) break;
        if (d < 0x20) return false;
        if (d === BACKSLASH) (escaped = true), i++;
        else if (d >= 0x80) ascii = false;
      }
      if (i >= n) return false;
      if (depth !== 1) continue;
      const plain = ascii && !escaped;
      if (expectKey) {
        if (escaped) return false; // "\u006bind" is "kind" to JSON.parse: the general path decides
        member = plain ? wanted(b, s, i) : -1;
        expectKey = false;
      } else if (member >= 0) {
        if (!plain || out[member]! >= 0) return false; // escaped, non-ASCII or repeated: the general path decides
        out[member] = s;
        out[member + 1] = i;
        member = -1;
      }
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth === 1) expectKey = true;
      member = -1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0 && i !== n - 1) return false;
      if (depth < 0) return false;
    } else if (depth === 1) {
      if (c === COMMA) (expectKey = true), (member = -1);
      else if (c !== COLON && c !== 0x20) member = -1; // a number, true, false or null: not a wanted string
    }
  }
  return depth === 0 && out[0]! >= 0 && out[2]! >= 0;
}

// One line per log entry for `ilog tail`: index, time, kind, then what matters
// for that kind (who, what, why for accesses; the result for outcomes). Entries
// are shown as the log holds them; kinds this file does not know get their
// scalar fields, so a new kind is never hidden.

type Json = Record<string, unknown>;

// Every string printed comes from the log, i.e. from whoever wrote the entry:
// C0 and C1 controls (newline, ESC, BEL, CSI…), DEL, bidi overrides and
// isolates, line/paragraph separators and zero-width marks are shown escaped
// (\n, \x1b, \u202e) so an entry can neither fake a log line nor drive the terminal.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `s` with every control or direction-changing character escaped (and `\` doubled, so escapes are unambiguous). */
export function escapeControls(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? escapeControls(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function clip(s: string, max: number): string {
  const one = s.replace(/ +/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function accessLine(e: Json): string {
  const st = e.statement as Json | undefined;
  const resource = e.resource as Json | undefined;
  const what = Array.isArray(e.relations) && e.relations.length ? e.relations.join(',') : resource ? `${str(resource.type)}:${(resource.ids as unknown[] | undefined)?.join(',') ?? ''}` : '';
  const parts = [str(e.person) ?? '?', str(e.action) ?? '?', what, e.purpose !== undefined ? `purpose="${str(e.purpose)}"` : 'no purpose', `via ${str(e.source) ?? '?'}`];
  // SQL whitespace is insignificant: fold it (newlines included) before escaping the rest.
  if (st && typeof st.text === 'string') parts.push(`"${clip(escapeControls(st.text.replace(/\s+/g, ' ')), 100)}"`);
  // The access entry's own outcome (the proxy's reads: docs/proxy.md).
  if (typeof e.outcome === 'object' && e.outcome !== null) parts.push('→', resultLine(e.outcome as Json));
  return parts.filter(Boolean).join('  ');
}

function outcomeLine(e: Json): string {
  return `→ #${str(e.access) ?? '?'}  ${resultLine(e)}`;
}

function resultLine(e: Json): string {
  const bits = [str(e.status) ?? '?'];
  if (e.command !== undefined) bits.push(str(e.command)!);
  if (e.sqlstate !== undefined) bits.push(`SQLSTATE ${str(e.sqlstate)}`);
  if (e.rows !== undefined) bits.push(`rows=${str(e.rows)}`);
  if (typeof e.durationMs === 'number') bits.push(`${e.durationMs.toFixed(1)} ms`);
  return bits.join('  ');
}

function genericLine(e: Json): string {
  return Object.entries(e)
    .filter(([k, v]) => !['v', 'kind', 'time'].includes(k) && str(v) !== undefined)
    .map(([k, v]) => `${k}=${clip(str(v)!, 60)}`)
    .join('  ');
}

/** `#<index> <time> <kind padded> <details>` */
export function formatEntry(index: number, bytes: Uint8Array): string {
  let e: Json;
  try {
    e = JSON.parse(Buffer.from(bytes).toString('utf8')) as Json;
  } catch {
    return `#${index}  (not JSON: ${bytes.byteLength} bytes)`;
  }
  const kind = str(e.kind) ?? '?'; // escaped like every other field
  const detail = kind === 'access' ? accessLine(e) : kind === 'outcome' ? outcomeLine(e) : genericLine(e);
  return `#${index}  ${str(e.time) ?? ''}  ${kind.padEnd(13)} ${detail}`;
}

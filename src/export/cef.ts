// ArcSight Common Event Format (CEF) 0, as in Micro Focus' "Implementing ArcSight
// CEF" rev. 25: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension`.
// Header fields escape `\` and `|`; extension values escape `\`, `=` and newlines.
// Log index and leaf hash ride in the custom string fields cs1 / cs2 (labelled).
import type { ExportRecord, RenderedParts } from './record.js';

const VERSION = '0.1.0';

function header(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

const EXT_SPECIAL = /[\\=\r\n]/;

function ext(v: string): string {
  if (!EXT_SPECIAL.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\r|\n/g, '\\n');
}

const SEVERITY: Record<string, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

function severityOf(e: ExportRecord['entry']): number {
  if (e.kind === 'bypass.detected') return 9;
  if (typeof e.severity === 'string' && Object.hasOwn(SEVERITY, e.severity)) return SEVERITY[e.severity]!;
  if (e.kind.startsWith('lock')) return 5;
  return 1;
}

function nameOf(e: ExportRecord['entry']): string {
  if (e.kind === 'access') return `${String(e.action)} by ${String(e.person)}`;
  if (e.kind === 'alert.raised') return `alert ${String(e.rule)}: ${String(e.subject)}`;
  if (e.kind === 'bypass.detected') return `bypass ${String(e.reason)}`;
  return e.kind;
}

/** ` key=value` (escaped), or nothing when the value is undefined or null. */
function field(key: string, v: unknown): string {
  return v === undefined || v === null ? '' : ` ${key}=${ext(String(v))}`;
}

/** A custom string field with its label, both left out when the value is undefined or null. */
function labelled(n: number, label: string, v: unknown): string {
  return v === undefined || v === null ? '' : ` cs${n}Label=${label} cs${n}=${ext(String(v))}`;
}

/**
 * The CEF line in parts: everything up to `cs6=`, then the entry as stored, whose bytes the
 * exporter escapes as it copies them (`\` and `=`; a stored entry has no line breaks:
 * record.ts), instead of escaping its text (the regular expressions over the whole entry
 * were a third of CEF's rendering); without stored bytes the entry is re-serialised.
 */
export function cefParts(r: ExportRecord): RenderedParts {
  const e = r.entry;
  const head =
    `CEF:0|ilog|ilog|${VERSION}|${header(e.kind)}|${header(nameOf(e))}|${severityOf(e)}|` +
    `rt=${ext(String(Date.parse(e.time)))} cs1Label=logIndex cs1=${r.index} cs2Label=leafHash cs2=${ext(r.leafHash)} cs3Label=origin cs3=${ext(r.origin)}` +
    field('suser', e.person ?? e.subject ?? e.by) +
    field('duser', e.role) +
    field('src', (e.client as { address?: string } | undefined)?.address) +
    field('app', e.source) +
    field('act', e.action ?? e.reason) +
    labelled(4, 'purpose', e.purpose) +
    labelled(5, 'relations', Array.isArray(e.relations) ? (e.relations as string[]).join(',') : undefined) +
    ' cs6Label=entry cs6=';
  if (r.bytes === undefined) return [head + ext(JSON.stringify(e)), undefined, ''];
  return [head, r.bytes, '', true];
}

/** The bytes the exporter puts a backslash before in an entry's bytes (cefParts): `\` and `=`. */
export const CEF_ESCAPED = [0x5c, 0x3d] as const;

/** The CEF line of `r`. */
export function toCef(r: ExportRecord): string {
  const [head, , , escaped] = cefParts(r);
  return escaped ? head + ext(r.text!) : head;
}

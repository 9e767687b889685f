// ArcSight Common Event Format (CEF) 0, as in Micro Focus' "Implementing ArcSight
// CEF" rev. 25: `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|Extension`.
// Header fields escape `\` and `|`; extension values escape `\`, `=` and newlines.
// Log index and leaf hash ride in the custom string fields cs1 / cs2 (labelled).
import type { ExportRecord } from './record.js';

const VERSION = '0.1.0';

function header(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

function ext(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r\n|\r|\n/g, '\\n');
}

const SEVERITY: Record<string, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

function severityOf(e: ExportRecord['entry']): number {
  if (e.kind === 'bypass.detected') return 9;
  if (typeof e.severity === 'string' && e.severity in SEVERITY) return SEVERITY[e.severity]!;
  if (e.kind.startsWith('lock')) return 5;
  return 1;
}

function nameOf(e: ExportRecord['entry']): string {
  if (e.kind === 'access') return `${String(e.action)} by ${String(e.person)}`;
  if (e.kind === 'alert.raised') return `alert ${String(e.rule)}: ${String(e.subject)}`;
  if (e.kind === 'bypass.detected') return `bypass ${String(e.reason)}`;
  return e.kind;
}

export function toCef(r: ExportRecord): string {
  const e = r.entry;
  const fields: [string, unknown][] = [
    ['rt', Date.parse(e.time)],
    ['cs1Label', 'logIndex'],
    ['cs1', r.index],
    ['cs2Label', 'leafHash'],
    ['cs2', r.leafHash],
    ['cs3Label', 'origin'],
    ['cs3', r.origin],
    ['suser', e.person ?? e.subject ?? e.by],
    ['duser', e.role],
    ['src', (e.client as { address?: string } | undefined)?.address],
    ['app', e.source],
    ['act', e.action ?? e.reason],
    ['cs4Label', 'purpose'],
    ['cs4', e.purpose],
    ['cs5Label', 'relations'],
    ['cs5', Array.isArray(e.relations) ? (e.relations as string[]).join(',') : undefined],
    ['cs6Label', 'entry'],
    ['cs6', r.text ?? JSON.stringify(e)], // the entry as stored (record.ts), else re-serialised
  ];
  const extension = fields
    .filter(([k, v], i) => v !== undefined && v !== null && !(k.endsWith('Label') && (fields[i + 1]![1] === undefined || fields[i + 1]![1] === null)))
    .map(([k, v]) => `${k}=${ext(String(v))}`)
    .join(' ');
  return `CEF:0|${header('ilog')}|${header('ilog')}|${VERSION}|${header(e.kind)}|${header(nameOf(e))}|${severityOf(e)}|${extension}`;
}

// Subject access report (docs/console.md "Subject access report"): every access
// to one record, each with its exact log entry (and its outcome's), an RFC 9162
// inclusion proof to one checkpoint, that checkpoint as a signed note with the
// witnesses' cosignatures (C2SP tlog-checkpoint / tlog-cosignature), and the
// log key's signature over the whole report under the domain `ilog-report/v1`
// (the statement form of src/governance/signing.ts), so whoever receives it can
// check it offline with `ilog report verify` and needs to trust nobody's copy.
// The HTML form is a rendering of the JSON form, which it embeds; verifying the
// HTML re-renders it from the embedded JSON and requires the same bytes.
import { bodyId, sign, verifySignature, type GovernanceSigner, type Signature } from '../governance/signing.js';
import { fromBase64, toBase64, utf8 } from '../ledger/bytes.js';
import { IlogError } from '../ledger/errors.js';
import { leafHash } from '../ledger/hash.js';
import { inclusionProof, type NodeReader } from '../ledger/merkle.js';
import { verifyInclusion } from '../ledger/merkle-verify.js';
import { verifierFromKey } from '../ledger/note.js';
import { openLogCheckpoint, verifyCheckpointWithPolicy } from '../witness/checkpoint-notes.js';
import type { Policy } from '../witness/policy.js';

export const REPORT_FORMAT = 'ilog-access-report/v1';
export const REPORT_DOMAIN = 'ilog-report/v1';
const MAX_REPORT_BYTES = 64 << 20;

export interface ProvenEntry {
  index: number;
  /** The entry exactly as logged (its leaf is SHA-256(0x00 ‖ these UTF-8 bytes)). */
  entry: string;
  /** Base64 hashes of PATH(index, D[0:size]) for the report's checkpoint. */
  proof: string[];
}

export interface AccessReport {
  format: typeof REPORT_FORMAT;
  origin: string;
  logVkey: string;
  record: { value: string; tag: string };
  generated: { time: string; by: string; purpose: string };
  /** The checkpoint every proof leads to, as a signed note with any witness cosignatures. */
  checkpoint: string;
  accesses: (ProvenEntry & { outcome?: ProvenEntry })[];
  signature: Signature;
}

export interface ReportInput {
  origin: string;
  logSigner: GovernanceSigner;
  record: { value: string; tag: string };
  generated: { time: string; by: string; purpose: string };
  checkpoint: { note: string; size: number };
  nodes: NodeReader;
  readEntry: (index: number) => Uint8Array;
  /** Access indexes and, where logged, the index of each one's outcome. */
  accesses: { index: number; outcome?: number }[];
}

export function buildAccessReport(i: ReportInput): AccessReport {
  const dec = new TextDecoder();
  const proven = (index: number): ProvenEntry => ({ index, entry: dec.decode(i.readEntry(index)), proof: inclusionProof(index, i.checkpoint.size, i.nodes).map(toBase64) });
  const body = {
    format: REPORT_FORMAT as typeof REPORT_FORMAT,
    origin: i.origin,
    logVkey: i.logSigner.vkey,
    record: i.record,
    generated: i.generated,
    checkpoint: i.checkpoint.note,
    accesses: i.accesses.filter((a) => a.index < i.checkpoint.size).map((a) => ({ ...proven(a.index), ...(a.outcome !== undefined && a.outcome < i.checkpoint.size ? { outcome: proven(a.outcome) } : {}) })),
  };
  return { ...body, signature: sign(i.logSigner, i.origin, bodyId(body), REPORT_DOMAIN) };
}

const bad = (message: string, evidence?: Record<string, unknown>) => new IlogError('BAD_REPORT', message, evidence);

export interface ReportVerification {
  origin: string;
  size: number;
  accesses: number;
  cosigners: string[];
  /** False when the log key was taken from the report itself (no --vkey): then only a policy or the key you know pins it. */
  keyPinned: boolean;
}

/** Parses a report file (JSON, or the HTML rendering that embeds it, which must re-render byte for byte). */
export function parseReportFile(text: string): AccessReport {
  if (text.length > MAX_REPORT_BYTES) throw bad(`the report is over ${MAX_REPORT_BYTES} bytes`);
  const html = text.trimStart().startsWith('<');
  let json = text;
  if (html) {
    const m = /<script type="application\/json" id="ilog-report">([^<]*)<\/script>/.exec(text);
    if (!m) throw bad('the HTML report carries no embedded report (script#ilog-report)');
    json = m[1]!;
  }
  let r: AccessReport;
  try {
    r = JSON.parse(json) as AccessReport;
  } catch {
    throw bad('the report is not valid JSON');
  }
  if (r === null || typeof r !== 'object' || r.format !== REPORT_FORMAT || !Array.isArray(r.accesses) || typeof r.checkpoint !== 'string' || typeof r.origin !== 'string') {
    throw bad(`not an ${REPORT_FORMAT} report`);
  }
  if (html && renderReportHtml(r) !== text) throw bad('the HTML differs from the rendering of the report it embeds: it was changed');
  return r;
}

/** Checks a report offline: the log's signature over it, its checkpoint (per a witness policy if given), every proof. */
export function verifyAccessReport(text: string, o: { vkey?: string; policy?: Policy } = {}): ReportVerification {
  const r = parseReportFile(text);
  const vkey = o.vkey ?? r.logVkey;
  if (verifierFromKey(vkey).name !== r.origin) throw bad(`the report is for ${r.origin}, not for the log key ${vkey}`, { origin: r.origin });
  const { signature, ...body } = r;
  if (!signature || signature.signer !== vkey || !verifySignature(signature, r.origin, bodyId(body), REPORT_DOMAIN)) {
    throw new IlogError('REPORT_SIGNATURE_INVALID', "the report is not signed by the log's key as it stands: it was changed, or made for another log", { origin: r.origin });
  }
  const opened = o.policy ? verifyCheckpointWithPolicy(r.checkpoint, o.policy, { logVkey: vkey }) : { ...openLogCheckpoint(r.checkpoint, vkey), cosigners: [] as string[] };
  const { size, root } = opened.checkpoint;
  const check = (p: ProvenEntry, kind: string): Record<string, unknown> => {
    if (!Number.isSafeInteger(p.index) || typeof p.entry !== 'string' || !Array.isArray(p.proof)) throw bad('a report entry is malformed', { index: p.index });
    verifyInclusion(p.index, size, leafHash(utf8.encode(p.entry)), p.proof.map((h) => fromBase64(String(h))), root);
    const e = JSON.parse(p.entry) as Record<string, unknown>;
    if (e.kind !== kind) throw bad(`entry ${p.index} is not an ${kind} entry`, { index: p.index });
    return e;
  };
  for (const a of r.accesses) {
    const e = check(a, 'access') as { resource?: { ids?: string[] }; statement?: { values?: string[] } };
    if (!(e.resource?.ids?.includes(r.record.value) || e.statement?.values?.includes(r.record.tag))) throw bad(`entry ${a.index} is not an access to this record`, { index: a.index });
    if (a.outcome && check(a.outcome, 'outcome').access !== a.index) throw bad(`entry ${a.outcome.index} is not the outcome of access ${a.index}`, { index: a.outcome.index });
  }
  return { origin: r.origin, size, accesses: r.accesses.length, cosigners: opened.cosigners, keyPinned: o.vkey !== undefined || o.policy !== undefined };
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML form: a table for people, the signed JSON embedded for `ilog report verify`. Deterministic. */
export function renderReportHtml(r: AccessReport): string {
  const rows = r.accesses
    .map((a) => {
      const e = JSON.parse(a.entry) as Record<string, unknown>;
      // An outcome entry, or the access entry's own outcome (the proxy's reads: docs/proxy.md).
      const out = a.outcome ? (JSON.parse(a.outcome.entry) as Record<string, unknown>) : (e.outcome as Record<string, unknown> | undefined);
      const cells = [a.index, e.accessedAt ?? e.time, e.person, e.purpose ?? '(none given)', e.action, e.source, out ? `${String(out.status)}${out.rows !== undefined ? `, ${String(out.rows)} rows` : ''}` : 'not logged'];
      return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const json = JSON.stringify(r).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Access report for ${esc(r.record.value)}</title></head>
<body>
<h1>Who accessed ${esc(r.record.value)}</h1>
<p>Log ${esc(r.origin)}; made ${esc(r.generated.time)} by ${esc(r.generated.by)} for: ${esc(r.generated.purpose)}.
Every row is a log entry with an inclusion proof to the checkpoint below; check it offline with <code>ilog report verify &lt;this file&gt;</code>.</p>
<table>
<thead><tr><th scope="col">Index</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Purpose</th><th scope="col">Action</th><th scope="col">Source</th><th scope="col">Outcome</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Checkpoint</h2>
<pre>${esc(r.checkpoint)}</pre>
<script type="application/json" id="ilog-report">${json}</script>
</body></html>
`;
}

// Entries that carry authority — who may log in, who is locked, what the policy
// is, what was alerted — must come from their own authenticated paths, never
// from whoever holds the log's write token (POST /add, `ilog append`): the
// token only proves "may append", not "is an admin". An authority entry passes
// the generic write path only when it is a signed governance body (whose
// signature every replay checks against the admin keys) or one of the records
// the governance loop and commands write, which replay accepts only when they
// are true (a refusal that happened, a break-glass grant that ran out).

/** Families of kinds that carry authority (DESIGN.md "Governance, locks, alerts"). */
const AUTHORITY_FAMILIES = ['governance.', 'lock.', 'lockdown.', 'breakglass.', 'user.', 'alert.', 'bypass.', 'storage.'];

/** Signed kinds: accepted on the write path only with a `signature` (replay verifies it). */
const SIGNED_KINDS = new Set(['governance.proposal', 'governance.approval', 'lock.set', 'lockdown.set', 'breakglass.request']);

/** Records that replay checks against its own state (never taken on trust). */
const CHECKED_RECORDS = new Set(['governance.rejected', 'governance.notice', 'breakglass.expired']);

/** Whether `kind` carries authority (genesis included). */
export function isAuthorityKind(kind: string): boolean {
  return kind === 'genesis' || AUTHORITY_FAMILIES.some((f) => kind.startsWith(f));
}

/**
 * Why `entry` may not be appended with only a write token, or undefined when it
 * may: genesis (entry 0 is written by `ilog init`), persons and lifts (quorum
 * proposals), unsigned locks and break-glass (`--key`), alerts and bypass
 * findings (written by the alert service and the reconciler themselves).
 */
export function writeTokenRefusal(entry: { kind?: unknown; signature?: unknown; source?: unknown }): string | undefined {
  const kind = typeof entry.kind === 'string' ? entry.kind : '';
  // The pgAudit reconciler counts the proxy's own access entries (and the objects it recorded) as
  // proof that a statement went through the proxy: a forged one would cover a direct statement.
  if ((kind === 'access' && entry.source === 'pg-proxy') || kind === 'access.objects') {
    return `${kind === 'access' ? 'a pg-proxy access' : kind} entry is written by the capture proxy and the reconciler themselves, not through the write API`;
  }
  if ((!isAuthorityKind(kind) && !kind.startsWith('node.')) || CHECKED_RECORDS.has(kind)) return undefined;
  if (SIGNED_KINDS.has(kind)) return entry.signature === undefined ? `an unsigned ${kind} carries no authority: sign it with an admin key (ilog lock/lockdown/propose/approve --key)` : undefined;
  if (kind === 'genesis') return 'a log has one genesis, entry 0, written by `ilog init`';
  if (kind.startsWith('node.')) return `${kind} is written by the ilog process that starts, not through the write API`;
  if (kind.startsWith('storage.')) return `${kind} is written by \`ilog migrate\` with the migration it records, under a quorum-approved storage.migrate proposal`;
  if (kind.startsWith('alert.') || kind.startsWith('bypass.')) return `${kind} entries are written by the alert service and the reconciler, not through the write API`;
  return `${kind} is decided by the quorum: propose it (ilog propose … --key, or ilog user / ilog unlock with --key)`;
}

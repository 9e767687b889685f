// What a statement does to the settings the proxy follows (ilog.purpose and
// search_path) and to the transaction they live in, read off the parse tree.
// session-gucs.ts applies these changes with PostgreSQL's GUC rules.
import { constText } from './sql-names.js';

/** The settings the proxy follows per session. */
export type Tracked = 'ilog.purpose' | 'search_path';
const TRACKED = new Set<string>(['ilog.purpose', 'search_path']);

export type GucChange =
  /** SET [LOCAL] name = value; `value` undefined for SET … TO DEFAULT and RESET (the session's reset value). */
  | { t: 'set'; name: Tracked; value: string | undefined; local: boolean }
  /** RESET ALL (transactional), DISCARD ALL (outside a transaction only; also drops temporary tables). */
  | { t: 'reset-all'; discard: boolean }
  | { t: 'discard-temp' }
  | { t: 'begin' }
  | { t: 'commit'; chain: boolean }
  | { t: 'rollback'; chain: boolean }
  | { t: 'savepoint'; name: string }
  | { t: 'release'; name: string }
  | { t: 'rollback-to'; name: string }
  /** A statement that may change search_path in ways the proxy cannot follow (set_config(), SET … FROM CURRENT). */
  | { t: 'unknown'; name: Tracked };

/** search_path as PostgreSQL prints it: `hr, "$user", public`. */
function pathText(args: unknown): string {
  const parts = Array.isArray(args) ? args.map((a: any) => (a?.A_Const ? (constText(a.A_Const) ?? '') : '')) : [];
  return parts.map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join(', ');
}

export function gucChange(kind: string, node: Record<string, any>): GucChange | undefined {
  if (kind === 'VariableSetStmt') {
    const name = String(node.name ?? '').toLowerCase();
    if (node.kind === 'VAR_RESET_ALL') return { t: 'reset-all', discard: false };
    if (!TRACKED.has(name)) return undefined;
    const n = name as Tracked;
    const local = node.is_local === true;
    if (node.kind === 'VAR_SET_VALUE') {
      const value = n === 'search_path' ? pathText(node.args) : (constText(node.args?.[0]?.A_Const ?? {}) ?? '');
      return { t: 'set', name: n, value, local };
    }
    if (node.kind === 'VAR_SET_DEFAULT' || node.kind === 'VAR_RESET') return { t: 'set', name: n, value: undefined, local };
    return { t: 'unknown', name: n };
  }
  if (kind === 'DiscardStmt') {
    if (node.target === 'DISCARD_ALL') return { t: 'reset-all', discard: true };
    if (node.target === 'DISCARD_TEMP') return { t: 'discard-temp' };
    return undefined;
  }
  if (kind === 'TransactionStmt') {
    const chain = node.chain === true;
    const sp = String(node.savepoint_name ?? '');
    switch (node.kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        return { t: 'begin' };
      case 'TRANS_STMT_COMMIT':
        return { t: 'commit', chain };
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_PREPARE':
        // PREPARE TRANSACTION detaches the transaction from the session; SET LOCAL ends, SET stays like COMMIT.
        return node.kind === 'TRANS_STMT_PREPARE' ? { t: 'commit', chain: false } : { t: 'rollback', chain };
      case 'TRANS_STMT_SAVEPOINT':
        return { t: 'savepoint', name: sp };
      case 'TRANS_STMT_RELEASE':
        return { t: 'release', name: sp };
      case 'TRANS_STMT_ROLLBACK_TO':
        return { t: 'rollback-to', name: sp };
    }
  }
  return undefined;
}

// One error class for the whole project. Every error carries a stable string
// `code` (tests and callers branch on it, never on the message), a message that
// says what to do next, and optional evidence (indexes, expected and found
// values) so a failure can be acted on without re-running anything.

/**
 * Every error code ilog uses, one per line, sorted. Adding a code is one line
 * here plus its row in docs/errors.md (test/ledger/error-codes.test.ts keeps the
 * two in step); a code not listed here does not type-check.
 */
export const ERROR_CODES = [
  'ALERT_CLOSED',
  'ALERT_NOT_FOUND',
  'ALREADY_EXISTS',
  'ALREADY_INITIALISED',
  'AUTH_FAILED',
  'BAD_BASE64',
  'BAD_BUNDLE',
  'BAD_CHECKPOINT',
  'BAD_COMMIT',
  'BAD_CONFIG',
  'BAD_COSIGNATURE',
  'BAD_CURSOR',
  'BAD_ENTRY_KIND',
  'BAD_GENESIS',
  'BAD_HASH',
  'BAD_HEX',
  'BAD_JSON',
  'BAD_KEY',
  'BAD_KEY_NAME',
  'BAD_NOTE',
  'BAD_ORIGIN',
  'BAD_PARAMETER',
  'BAD_POLICY',
  'BAD_PROOF_SHAPE',
  'BAD_RANGE',
  'BAD_REPORT',
  'BAD_REQUEST',
  'BAD_SIGNATURE',
  'BAD_SKEY',
  'BAD_TILE',
  'BAD_TILE_INDEX',
  'BAD_TILE_LEVEL',
  'BAD_TILE_PATH',
  'BAD_TILE_WIDTH',
  'BAD_TOKEN',
  'BAD_TREE_SIZE',
  'BAD_VERIFIER',
  'BAD_VKEY',
  'BAD_WITNESS_RESPONSE',
  'BODY_TOO_LARGE',
  'BUNDLE_TOO_LARGE',
  'CHECKPOINT_ORIGIN_MISMATCH',
  'CLIENT_GONE',
  'CLOSED',
  'CONFIG_MISSING',
  'CONSISTENCY_PROOF_INVALID',
  'CORRUPT_FILE',
  'COSIGNATURE_INVALID',
  'CREDENTIAL_MISMATCH',
  'CSRF_TOKEN_INVALID',
  'CURSOR_MISMATCH',
  'DEMO_CREDENTIALS_LOST',
  'DEMO_RUNNING',
  'DETECT_SNAPSHOT_MISMATCH',
  'DUPLICATE_KEY',
  'ENTRY_KIND_EXISTS',
  'ENTRY_MISSING',
  'ENTRY_NOT_CANONICAL',
  'ENTRY_TOO_LARGE',
  'EXPORT_CURSOR_MISMATCH',
  'EXPORT_OUTPUT_FAILED',
  'FETCH_FAILED',
  'FILE_EXISTS',
  'GOVERNANCE_REJECTED',
  'GOVERNED',
  'INCLUSION_PROOF_INVALID',
  'INCONSISTENT',
  'INDEX_OUT_OF_RANGE',
  'INSECURE_PERMISSIONS',
  'INTEGRATION_CONFLICT',
  'INTERNAL',
  'INVALID_CHANGE',
  'INVALID_DETECT_CONFIG',
  'INVALID_ENTRY',
  'INVALID_FIELD',
  'INVALID_INDEX',
  'INVALID_JSON',
  'INVALID_NAME',
  'KEY_MISMATCH',
  'KIND_NOT_ALLOWED',
  'LOGIN_FAILED',
  'LOGIN_TIMEOUT',
  'LOG_EXISTS',
  'LOG_FILE_MISSING',
  'LOG_INCONSISTENT',
  'LOG_UNAVAILABLE',
  'MIGRATION_NOT_APPROVED',
  'MIRROR_BAD_BUNDLE',
  'MIRROR_BAD_TILE',
  'MIRROR_CONFIG_MISMATCH',
  'MIRROR_CONFLICT',
  'MIRROR_GAP',
  'NODE_OUT_OF_RANGE',
  'NOTE_UNVERIFIED',
  'NOT_ALLOWED',
  'NOT_A_RECIPIENT',
  'NOT_FOUND',
  'NOT_GOVERNED',
  'NOT_INITIALISED',
  'NO_CHECKPOINT',
  'NO_CURSOR',
  'NO_LOG',
  'NO_LOGS',
  'NO_PUBLISHED_CHECKPOINT',
  'OUT_OF_ORDER',
  'PGAUDIT_SETTINGS',
  'POLICY_LOG_UNKNOWN',
  'POLICY_UNMET',
  'PORT_IN_USE',
  'PROTOCOL_VIOLATION',
  'PUBLISH_ROLLBACK',
  'PURPOSE_REQUIRED',
  'PUSHBACK',
  'READ_ONLY',
  'REPORT_SIGNATURE_INVALID',
  'RESPONSE_TOO_LARGE',
  'RESTORE_EXISTS',
  'RESTORE_INCOMPLETE',
  'RESTORE_RACE',
  'RESTORE_WRONG_LOG',
  'REVIEWER_KEY_UNKNOWN',
  'REVIEW_SIGNATURE_INVALID',
  'REVIEW_TIME_SKEW',
  'ROLLBACK',
  'ROOT_MISMATCH',
  'SECOND_REVIEWER_REQUIRED',
  'SERVER_LOG_MALFORMED',
  'SERVER_LOG_UNREADABLE',
  'SOURCE_ERROR',
  'SOURCE_NOT_FOUND',
  'SOURCE_PROOF_TOO_LARGE',
  'SOURCE_TOO_LARGE',
  'SOURCE_UNREACHABLE',
  'SQL_SYNTAX',
  'STALE_SIGNATURE',
  'STORAGE_BUSY',
  'STORAGE_CORRUPT',
  'STORAGE_ERROR',
  'STORAGE_FULL',
  'STORAGE_MIGRATION_REQUIRED',
  'STORAGE_READONLY',
  'STORAGE_UNAVAILABLE',
  'STORAGE_VERSION',
  'STORE_DIVERGES',
  'SYSLOG_UNAVAILABLE',
  'TILES_DIR_CORRUPT',
  'TILES_DIR_MISSING',
  'TILE_FULL',
  'TILE_MISMATCH',
  'TILE_MISSING',
  'UNAUTHORIZED',
  'UNKNOWN_PROPOSAL',
  'UNKNOWN_REVIEWER',
  'UNSUPPORTED',
  'UNSUPPORTED_KEY_TYPE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UPSTREAM_AUTH',
  'UPSTREAM_REFUSED',
  'UPSTREAM_UNAVAILABLE',
  'USAGE',
  'USER_EXISTS',
  'USER_NOT_FOUND',
  'WITNESS_AHEAD',
  'WITNESS_CONFLICT',
  'WITNESS_NO_KEY',
  'WITNESS_REFUSED',
  'WITNESS_UNREACHABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

/** A code read from outside (a worker's message, an HTTP answer) as an ErrorCode, or `fallback` when unknown. */
export function asErrorCode(code: unknown, fallback: ErrorCode): ErrorCode {
  return typeof code === 'string' && KNOWN.has(code) ? (code as ErrorCode) : fallback;
}

export class IlogError<Code extends ErrorCode = ErrorCode> extends Error {
  readonly code: Code;
  readonly evidence: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, evidence?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IlogError';
    this.code = code;
    this.evidence = evidence ? Object.freeze({ ...evidence }) : undefined;
  }

  toJSON(): { code: Code; message: string; evidence?: Readonly<Record<string, unknown>> } {
    return this.evidence ? { code: this.code, message: this.message, evidence: this.evidence } : { code: this.code, message: this.message };
  }
}

export function isIlogError(e: unknown, code?: ErrorCode): e is IlogError {
  return e instanceof IlogError && (code === undefined || e.code === code);
}

// SQLSTATEs the proxy answers with itself. Class "IL" is ilog's own
// (PostgreSQL reserves classes beginning with 5-9 and I-Z for extensions);
// documented in docs/proxy.md. Clients branch on these codes.
export const SQLSTATE = {
  /** The statement touches data and no purpose was stated. */
  NO_PURPOSE: 'IL001',
  /** The access entry could not be made durable in time (log down, disk full, pushback). */
  LOG_UNAVAILABLE: 'IL002',
  /** The person is locked; the session is ended. */
  LOCKED: 'IL003',
  /** A purpose was stated but does not match the policy pattern. */
  PURPOSE_REJECTED: 'IL004',
  /** A stated purpose is longer than the one limit (MAX_PURPOSE in purpose.ts). */
  PURPOSE_TOO_LONG: 'IL005',
  /** PostgreSQL's own: a statement in a transaction that already failed. */
  IN_FAILED_TRANSACTION: '25P02',
  /** The client broke the wire protocol (bad length, unknown message, …). */
  PROTOCOL_VIOLATION: '08P01',
  /** Unknown person or wrong password — the same answer for both. */
  AUTH_FAILED: '28P01',
  /** The upstream database refused or could not be reached. */
  UPSTREAM_UNAVAILABLE: '08001',
  /** PostgreSQL's grammar rejected the statement; it was not forwarded. */
  SYNTAX_ERROR: '42601',
  /** The proxy does not support this request (e.g. replication, GSSAPI). */
  FEATURE_NOT_SUPPORTED: '0A000',
} as const;

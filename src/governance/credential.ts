// Credential resets without secrets in the log: a governed person carries only
// a commitment to their SCRAM-SHA-256 verifier (RFC 5802/7677, PostgreSQL's
// `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` text form), computed the
// way the proxy's verifier store keys them (src/capture/directory.ts). The
// verifier itself reaches `<dir>/proxy.db` out of band and is used only if it
// hashes to the commitment the quorum approved; its random salt keeps the
// commitment from helping anyone guess the password offline.
import { parseVerifier } from '../capture/pg/scram.js';
import { verifierCommitment } from '../capture/directory.js';

/** Hex SHA-256 commitment to a SCRAM verifier (validated first: a typo must not become policy). */
export function commitment(verifier: string): string {
  parseVerifier(verifier);
  return verifierCommitment(verifier);
}

// A real governed data directory, made the way `ilog init --admin … --quorum M`
// makes it (initLog with the governance genesis fields), with admin keys
// written to key files, for the tests that go through storage, the loop and the CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/ledger/note.js';
import { initLog } from '../../src/log/appender-init.js';
import { governanceGenesis } from '../../src/governance/genesis.js';
import { loadSigner, type GovernanceSigner } from '../../src/governance/signing.js';

export interface GovDir {
  dir: string;
  origin: string;
  admins: GovernanceSigner[];
  keyFiles: string[];
  cleanup(): void;
}

export async function governedDir(quorum = 2, n = 3): Promise<GovDir> {
  const root = mkdtempSync(join(tmpdir(), 'ilog-gov-'));
  const dir = join(root, 'data');
  const origin = 'test.example/gov';
  const keys = Array.from({ length: n }, (_, i) => generateKey(`admin${i + 1}`));
  const keyFiles = keys.map((k, i) => {
    const f = join(root, `admin${i + 1}.key`);
    writeFileSync(f, k.skey + '\n', { mode: 0o600 });
    return f;
  });
  await initLog(dir, { origin, genesis: governanceGenesis(keys.map((k) => k.vkey), quorum) });
  return { dir, origin, admins: keys.map((k) => loadSigner(k.skey)), keyFiles, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

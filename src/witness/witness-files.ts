// A witness's data directory: `witness.key` (its cosigner key, PRIVATE+KEY+…
// type 0x04, mode 0600), `witness.vkey` (what log operators put in their
// tlog-policy), `witness.logs` (the logs it follows: one `log <vkey>` per
// line, `#` comments) and `witness.db` (its state, see witness-store.ts).

import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cosignerVerifierKey, generateCosignerKey } from '../ledger/cosignature.js';
import { IlogError } from '../ledger/errors.js';
import { verifierFromKey } from '../ledger/note.js';
import { writeFileDurable } from '../storage/durable-file.js';

export const WITNESS_KEY = 'witness.key';
export const WITNESS_VKEY = 'witness.vkey';
export const WITNESS_LOGS = 'witness.logs';

/** Parse a logs file: `log <vkey>` (or a bare vkey) per line; checks every key. */
export function parseLogsFile(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const f = raw.trim().split(/[ \t]+/).filter((x) => x !== '');
    if (f.length === 0 || (f[0] as string).startsWith('#')) return;
    const vkey = f[0] === 'log' ? f[1] : f[0];
    if (vkey === undefined || f.length > (f[0] === 'log' ? 3 : 2)) throw new IlogError('BAD_CONFIG', `${WITNESS_LOGS} line ${i + 1}: expected "log <vkey>"`, { line: i + 1 });
    try {
      verifierFromKey(vkey);
    } catch (err) {
      throw new IlogError('BAD_CONFIG', `${WITNESS_LOGS} line ${i + 1}: not a log vkey`, { line: i + 1 }, { cause: err });
    }
    out.push(vkey);
  });
  return out;
}

/** Create a witness directory with a fresh key. Refuses to overwrite an existing key. */
export async function initWitnessDir(dir: string, name: string, logs: readonly string[] = []): Promise<{ vkey: string }> {
  if (existsSync(join(dir, WITNESS_KEY))) throw new IlogError('ALREADY_INITIALISED', `${join(dir, WITNESS_KEY)} exists; use another --dir or remove it`, { dir });
  logs.forEach((l) => verifierFromKey(l));
  await mkdir(dir, { recursive: true });
  const { skey, vkey } = generateCosignerKey(name);
  writeFileDurable(join(dir, WITNESS_KEY), skey + '\n', { mode: 0o600, exclusive: true });
  writeFileDurable(join(dir, WITNESS_VKEY), vkey + '\n');
  if (!existsSync(join(dir, WITNESS_LOGS)) || logs.length > 0) {
    writeFileDurable(join(dir, WITNESS_LOGS), `# logs this witness cosigns: one "log <vkey>" per line\n${logs.map((l) => `log ${l}\n`).join('')}`);
  }
  return { vkey };
}

export interface WitnessConfig {
  skey: string;
  vkey: string;
  logs: string[];
}

/** Load a witness directory; `extraLogs` (from --log) are added to the logs file's. */
export function loadWitnessDir(dir: string, extraLogs: readonly string[] = [], logsFile?: string): WitnessConfig {
  const keyFile = join(dir, WITNESS_KEY);
  if (!existsSync(keyFile)) throw new IlogError('NOT_INITIALISED', `no witness key in ${dir}; run \`ilog witness init --dir ${dir} --name <name>\``, { dir });
  const skey = readFileSync(keyFile, 'utf8').trim();
  const file = logsFile ?? join(dir, WITNESS_LOGS);
  const fromFile = existsSync(file) ? parseLogsFile(readFileSync(file, 'utf8')) : [];
  extraLogs.forEach((l) => verifierFromKey(l));
  const logs = [...new Set([...fromFile, ...extraLogs])];
  if (logs.length === 0) throw new IlogError('NO_LOGS', 'this witness follows no log; pass --log <vkey> or list them in witness.logs', { dir });
  return { skey, vkey: cosignerVerifierKey(skey), logs };
}

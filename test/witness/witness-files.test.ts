// A witness directory: key files, the logs file, and refusing to overwrite a key.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseVerifierKey, SIG_TYPE_COSIGNATURE } from '../../src/ledger/keys.js';
import { generateKey } from '../../src/ledger/note.js';
import { initWitnessDir, loadWitnessDir, parseLogsFile } from '../../src/witness/witness-files.js';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ilog-wfiles-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('witness directory', () => {
  it('init writes a 0600 cosigner key, a type 0x04 vkey and the logs; load merges --log', async () => {
    const a = generateKey('example.com/a').vkey;
    const b = generateKey('example.com/b').vkey;
    const { vkey } = await initWitnessDir(tmp, 'w.example', [a]);
    expect(parseVerifierKey(vkey).type).toBe(SIG_TYPE_COSIGNATURE);
    expect(statSync(join(tmp, 'witness.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(tmp, 'witness.vkey'), 'utf8').trim()).toBe(vkey);
    const cfg = loadWitnessDir(tmp, [b, a]);
    expect(cfg.vkey).toBe(vkey);
    expect(cfg.logs).toEqual([a, b]);
    expect(await code(initWitnessDir(tmp, 'w.example'))).toBe('ALREADY_INITIALISED');
  });

  it('rejects bad logs files and a witness that follows nothing', async () => {
    expect(await code(() => parseLogsFile('log not-a-key\n'))).toBe('BAD_CONFIG');
    expect(await code(() => parseLogsFile(`log ${generateKey('x.example').vkey} extra words\n`))).toBe('BAD_CONFIG');
    expect(parseLogsFile(`# comment\n\n  ${generateKey('x.example').vkey}\n`)).toHaveLength(1);
    await initWitnessDir(tmp, 'w.example');
    expect(await code(() => loadWitnessDir(tmp))).toBe('NO_LOGS');
    writeFileSync(join(tmp, 'other.logs'), `log ${generateKey('y.example').vkey}\n`);
    expect(loadWitnessDir(tmp, [], join(tmp, 'other.logs')).logs).toHaveLength(1);
    expect(await code(() => loadWitnessDir(join(tmp, 'missing')))).toBe('NOT_INITIALISED');
  });
});

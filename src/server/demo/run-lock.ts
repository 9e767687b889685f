// One demo per data directory: two processes must never open the same PGlite
// data directory (it is not multi-process safe) or race to create the sample
// person. `<dir>/demo.pid` holds the running demo's PID; a file left by a
// process that no longer exists (a crash, kill -9) is taken over.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IlogError } from '../../ledger/errors.js';

const FILE = 'demo.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's demo lock; returns the release function. Throws DEMO_RUNNING when another live demo holds it. */
export function lockDemoDir(dir: string): () => void {
  const path = join(dir, FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone: nothing to release */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new IlogError('DEMO_RUNNING', `a demo is already running on ${dir} (pid ${pid}); stop it with Ctrl-C, or use another --dir`, { pid, dir });
      }
      unlinkSync(path); // stale
    }
  }
  throw new IlogError('DEMO_RUNNING', `cannot take ${path}; remove it if no demo is running`, { file: path });
}

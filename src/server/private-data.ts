// Start-up check of a serving command's files (src/storage/private-files.ts):
// the data directory and ilog's files in it are made private, saying so;
// configuration files that hold secrets get a warning when others can read them.
import { makeDataDirPrivate, secretFileWarning } from '../storage/private-files.js';

export function guardDataDir(dir: string, secretFiles: readonly string[]): void {
  const changed = makeDataDirPrivate(dir);
  if (changed.length > 0) process.stderr.write(`ilog: INSECURE_PERMISSIONS fixed: other local users could open ${changed.join(', ')}; group and world access removed\n`);
  for (const f of secretFiles) {
    const w = secretFileWarning(f);
    if (w) process.stderr.write(`ilog: ${w}\n`);
  }
}

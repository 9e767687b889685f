// One temporary directory per test run: every test's mkdtemp(tmpdir()) lands in
// it (TMPDIR is set before the workers start, and os.tmpdir() reads it), and it
// is removed when the run ends, so a test that forgets its own clean-up (or a
// run that is interrupted by a failure) leaves nothing behind in /tmp.
// Mode 0755: PostgreSQL clusters started by the fixtures run as user postgres
// and must reach their data directories inside it.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'ilog-test-run-'));
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}

// Follower: entries in index order, new ones picked up by polling, and a
// durable cursor so that a restarted follower resumes exactly after the last commit.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogServer, listen } from '../../src/http/log-server.js';
import { Appender } from '../../src/log/appender.js';
import { Follower, type FollowedEntry } from '../../src/log/follower.js';
import { accessEntry, buildLog, removeDir, tempDir } from './build-log.js';

let dir: string;
let appender: Appender;

beforeAll(async () => {
  dir = await buildLog(10); // 11 entries
  appender = await Appender.open(dir);
});

afterAll(async () => {
  await appender.close();
  removeDir(join(dir, '..'));
});

/** Takes `n` entries from a follower, then stops it. */
async function take(f: Follower, n: number, each?: (e: FollowedEntry) => Promise<void>): Promise<FollowedEntry[]> {
  const out: FollowedEntry[] = [];
  for await (const e of f) {
    out.push(e);
    await each?.(e);
    if (out.length === n) break;
  }
  return out;
}

describe('Follower', () => {
  it('yields an entry only once a signed checkpoint covers it, and asks its writer to sign one', async () => {
    const ownDir = await buildLog(1);
    const own = await Appender.open(ownDir, { checkpointIntervalMs: 600_000, writerThread: false });
    try {
      const index = await own.append(accessEntry(500));
      const waiting = new Follower(own.storage, { from: index, pollMs: 10 });
      const early = await Promise.race([take(waiting, 1), new Promise<'none'>((r) => setTimeout(() => r('none'), 400))]);
      waiting.close();
      expect(early).toBe('none'); // durable, but no signature covers it yet
      const asking = new Follower(own.storage, { from: index, pollMs: 10, sign: (i) => own.awaitIntegrated(i) });
      const [got] = await take(asking, 1);
      expect(got!.index).toBe(index);
    } finally {
      await own.close();
      removeDir(join(ownDir, '..'));
    }
  });

  it('reads every entry in order, decoded, then waits for new ones', async () => {
    const f = new Follower(appender.storage, { pollMs: 10 });
    const got: FollowedEntry[] = [];
    const done = take(f, 13, async (e) => {
      got.push(e);
    });
    while (got.length < 11) await new Promise((r) => setTimeout(r, 10));
    await appender.appendMany([accessEntry(100), accessEntry(101)]);
    const all = await done;
    expect(all.map((e) => e.index)).toEqual([...Array(13).keys()]);
    expect(all[0]!.entry?.kind).toBe('genesis');
    expect(all[12]!.entry).toMatchObject({ kind: 'access', resource: { ids: ['101'] } });
  });

  it('resumes after the last committed index with a cursor file', async () => {
    const cursorFile = join(tempDir(), 'cursor.json');
    const first = new Follower(appender.storage, { cursorFile, pollMs: 10 });
    await take(first, 6, async (e) => {
      if (e.index === 4) await first.commit(4); // 5 is yielded but never committed: it must come again
    });
    expect(JSON.parse(readFileSync(cursorFile, 'utf8'))).toEqual({ next: 5 });

    const again = new Follower(appender.storage, { cursorFile, pollMs: 10 });
    expect(await again.position()).toBe(5);
    const rest = await take(again, 2);
    expect(rest.map((e) => e.index)).toEqual([5, 6]);
    await expect(again.commit(50)).rejects.toMatchObject({ code: 'BAD_COMMIT' });
    removeDir(join(cursorFile, '..'));
  });

  it('rejects a corrupt cursor file instead of replaying or skipping', async () => {
    const cursorFile = join(tempDir(), 'cursor.json');
    writeFileSync(cursorFile, 'garbage');
    await expect(new Follower(appender.storage, { cursorFile }).position()).rejects.toMatchObject({ code: 'BAD_CURSOR' });
    expect(existsSync(cursorFile)).toBe(true);
  });

  it('follows a log over HTTP (published entries only), checking the checkpoint signature', async () => {
    await appender.checkpoint();
    const app = await createLogServer({ storage: appender.storage });
    const url = await listen(app, '127.0.0.1', 0);
    try {
      const vkey = readFileSync(join(dir, 'log.vkey'), 'utf8').trim();
      const f = new Follower(url, { vkey, from: 3, pollMs: 10 });
      const got = await take(f, 4);
      expect(got.map((e) => e.index)).toEqual([3, 4, 5, 6]);
      expect(Buffer.from(got[0]!.bytes).equals(Buffer.from(appender.storage.readEntries(3, 4)[0]!))).toBe(true);
    } finally {
      await app.close();
    }
  });
});

// Keeps the proxy's derived state (user directory, locks) in step with the
// log: replays every entry from index 0, then follows new ones (Follower
// polls ≤ 100 ms). `ready` resolves once the entries present at start have
// been applied, so the proxy never accepts logins on a half-replayed directory.
// Both read only entries proven by a signed checkpoint (src/log/proven-log.ts).
import { Follower } from '../../log/follower.js';
import { ProvenLog } from '../../log/proven-log.js';
import type { LogStorage } from '../../storage/log-storage.js';

export type EntryHandler = (index: number, entry: Record<string, unknown>) => void;

export interface Replay {
  ready: Promise<void>;
  stop(): void;
}

export function followLog(storage: LogStorage, handlers: EntryHandler[], pollMs = 50, onError: (e: unknown) => void = () => {}): Replay {
  const proven = ProvenLog.of(storage);
  const follower = new Follower(proven, { pollMs, decode: false });
  const target = proven.size();
  let markReady!: () => void;
  let failReady!: (e: unknown) => void;
  const ready = new Promise<void>((r, f) => ((markReady = r), (failReady = f)));
  ready.catch(() => undefined); // reported through onError too; callers that await it see the rejection
  if (target === 0) markReady();
  let stopped = false;
  void (async () => {
    try {
      for await (const { index, bytes } of follower) {
        if (stopped) break;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
        } catch {
          continue; // not ours to judge: verification reports malformed entries
        }
        for (const h of handlers) h(index, entry);
        if (index + 1 >= target) markReady();
      }
    } catch (e) {
      // A replay that cannot prove what it read stops here, and a proxy still starting refuses to.
      failReady(e);
      if (!stopped) onError(e);
    }
  })();
  return {
    ready,
    stop() {
      stopped = true;
      follower.close();
    },
  };
}

/** Applies every entry currently in the log once (CLI commands that need the directory). */
export function replayOnce(raw: LogStorage, handlers: EntryHandler[]): void {
  const storage = ProvenLog.of(raw);
  const size = storage.size();
  for (let from = 0; from < size; ) {
    const batch = storage.readEntries(from, size, 4096);
    if (batch.length === 0) break;
    for (const b of batch) {
      try {
        const entry = JSON.parse(Buffer.from(b).toString('utf8')) as Record<string, unknown>;
        for (const h of handlers) h(from, entry);
      } catch {
        /* skip malformed */
      }
      from++;
    }
  }
}

// The only things the proxy needs from the log: append an entry and learn its
// index once it is durable. Anything with this shape works — the local
// Appender (src/log/appender.ts), an HTTP client to a remote log service, or
// a fault-injecting wrapper in tests.
import { IlogError, isIlogError } from '../../ledger/errors.js';

export interface AccessLog {
  /**
   * Appends one entry: an object, or its canonical bytes (what encodeEntry
   * returns; the proxy builds them so on its hot path). MUST resolve only once the entry is durable (it will
   * survive a crash) and with its index; MUST reject when it cannot be made
   * durable (IlogError 'PUSHBACK' when overloaded).
   */
  append(entry: object | Uint8Array): Promise<number>;
  /**
   * Optional: appends an entry nobody waits on (an outcome), allowed to wait for the
   * next append's commit instead of starting one of its own, which would delay it.
   */
  appendDeferred?(entry: object | Uint8Array): Promise<number>;
}

/**
 * Appends and waits for durability at most `timeoutMs`. Rejects with
 * IlogError('LOG_UNAVAILABLE', …, {cause}) naming why, so the caller refuses
 * the statement (fail closed). A late success is reported to `late` so the
 * caller can record that the access was refused after all.
 */
export function appendDurable(log: AccessLog, entry: object | Uint8Array, timeoutMs: number, late?: (index: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new IlogError('LOG_UNAVAILABLE', `the log did not confirm durability within ${timeoutMs} ms`, { cause: 'timeout' }));
    }, timeoutMs);
    let p: Promise<number>;
    try {
      p = log.append(entry);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (index) => {
        if (settled) return late?.(index);
        settled = true;
        clearTimeout(timer);
        resolve(index);
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const cause = isIlogError(e) ? e.code : 'error';
        const why = isIlogError(e, 'PUSHBACK') ? 'the log is overloaded (pushback)' : `the log failed: ${e instanceof Error ? e.message : String(e)}`;
        reject(new IlogError('LOG_UNAVAILABLE', why, { cause }));
      },
    );
  });
}

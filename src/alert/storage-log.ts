// AlertLog over the project's log pieces: appends go through the writer (the
// Appender, which sequences and waits for durability), reads come straight from
// LogStorage so entries appended by other processes are seen too.
import type { LogStorage } from '../storage/log-storage.js';
import type { AlertLog, LoggedEntry } from './alert-log.js';

export interface EntryWriter {
  append(entry: object): Promise<number>;
  /** Resolves once a signed checkpoint covers `index` (the Appender has it): followers ask so as not to wait. */
  awaitIntegrated?(index: number): Promise<unknown>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function storageAlertLog(writer: EntryWriter, storage: Pick<LogStorage, 'readEntries'>): AlertLog {
  return {
    append: (entry) => writer.append(entry),
    async read(from: number, max: number): Promise<LoggedEntry[]> {
      return storage.readEntries(from, from + max, max).map((bytes, i) => ({ index: from + i, entry: parse(bytes) }));
    },
  };
}

/** Entries were validated when appended; one that is not JSON is skipped by the book (asAlertEntry gives undefined). */
function parse(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

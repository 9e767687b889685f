// The published tree: the latest signed checkpoint in storage, parsed once per
// new note. The read API serves exactly what this checkpoint commits to.
import { parseCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { parseNote } from '../ledger/note.js';
import type { LogStorageReader } from '../storage/log-storage.js';

export interface Published extends Checkpoint {
  /** The signed note, as stored. */
  note: string;
}

export interface PublishedTree {
  /** The latest checkpoint, or undefined before the first one is signed. */
  latest(): Published | undefined;
}

export function publishedTree(storage: LogStorageReader): PublishedTree {
  let cached: Published | undefined;
  return {
    latest() {
      const note = storage.latestCheckpoint();
      if (note === undefined) return undefined;
      if (cached?.note !== note) cached = { ...parseCheckpoint(parseNote(note).text), note };
      return cached;
    },
  };
}

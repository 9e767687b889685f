// The checkpoint a log has published under its witness policy: the log's signed
// note with the witnesses' cosignature lines appended, as served at
// `/checkpoint`. Kept in `<dir>/checkpoint.published`, replaced atomically and
// durably (a restart serves what was last published, never an unwitnessed one).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurable } from '../storage/durable-file.js';

export const PUBLISHED_FILE = 'checkpoint.published';

export class PublishedStore {
  readonly file: string;
  #note: string | undefined;

  constructor(dir: string) {
    this.file = join(dir, PUBLISHED_FILE);
    try {
      this.#note = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  get(): string | undefined {
    return this.#note;
  }

  set(note: string): void {
    writeFileDurable(this.file, note);
    this.#note = note;
  }
}

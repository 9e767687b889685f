// The fault-injecting store itself runs the conformance suite (slowed, no
// faults armed): it must be a faithful LogStore before its faults mean anything.
import { asyncLog } from '../../src/storage/log-reader.js';
import { SqliteLogStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { FaultyStore } from '../helpers/faulty-store.js';
import { describeLogStorage } from './conformance.js';

describeLogStorage('fault-injecting store over sqlite (1 ms per call)', (dir) => {
  const f = new FaultyStore(asyncLog(SqliteLogStorage.open(dir)));
  f.delayMs = 1;
  return f;
});

// Child process for the multi-process and crash tests: appends entries tagged
// `<tag>:<n>` to the log in <dir> through an Appender, keeping <inFlight>
// appends outstanding, and prints "<index> <n>" for each one acknowledged
// (stdout is a pipe: synchronous on Linux, so a printed index was durable
// before the parent could read it). <count> = -1 appends until killed.
// <writer> = inline keeps writes on the main thread (no writer thread); auto moves them between
// the two by commit time (adaptive-writer.ts).
//   node --import tsx test/log/append-child.ts <dir> <tag> <count> [inFlight] [thread|inline|auto]
import { Appender } from '../../src/log/appender.js';
import { taggedEntry } from './tagged-entry.js';

const [dir, tag, countArg, inFlightArg, writer] = process.argv.slice(2);
if (!dir || !tag || !countArg) throw new Error('usage: append-child.ts <dir> <tag> <count> [inFlight]');
const count = Number(countArg);
const inFlight = Number(inFlightArg ?? 20);

const appender = await Appender.open(dir, { writerThread: writer === 'auto' ? 'auto' : writer !== 'inline' });
// In thread mode, append only once writes run on the writer thread, so that is what gets killed.
for (let i = 0; writer !== 'inline' && writer !== 'auto' && appender.stats().writer !== 'thread'; i++) {
  if (i > 1200) throw new Error('the writer thread did not start within 60 s');
  await new Promise((r) => setTimeout(r, 50));
}
let next = 0;
async function worker(): Promise<void> {
  while (count < 0 || next < count) {
    const n = next++;
    const index = await appender.append(taggedEntry(tag as string, n));
    process.stdout.write(`${index} ${n}\n`);
  }
}
await Promise.all(Array.from({ length: inFlight }, worker));
await appender.close();

// Where a thread of `ilog proxy` spends its CPU, by area (issue #11, docs/proxy.md
// "Sixth round"): reads `perf script -F tid,ip,sym,dso` of a `perf record -g` of
// the proxy process and charges each on-CPU sample to the nearest frame, from the
// leaf up, that names an area (socket write, log commit, HMAC, entry bytes, …).
// V8's own --cpu-prof samples wall time (a write that wakes a peer which then
// preempts the proxy is charged to the write); perf samples only time on a CPU.
// Usage, with the proxy started with --perf-basic-prof (ILOG_BENCH_NODE_ARGS='--perf-basic-prof'):
//   perf record -F 1999 -g -p <proxy pid> -o perf.data -- sleep 8
//   perf script -i perf.data -F tid,ip,sym,dso > script.txt
//   npx tsx bench/proxy-perf-areas.ts script.txt <tid> [<CPU µs per statement of that thread, from bench:proxy>]
// One JSON line per area: share of the thread's samples and, given the third argument, µs per statement.
import { readFileSync } from 'node:fs';

/** Areas, first match wins at each frame; a frame that matches none passes the sample on to its caller. */
const AREAS: [string, RegExp][] = [
  ['gc', /v8::internal::(Heap::|Scavenger|MarkCompact|MinorMarkCompact|IncrementalMarking|ConcurrentMarking|MemoryAllocator)/],
  ['log commit inline (SQLite, sync)', /sqlite-storage\.js|better-sqlite3|better_sqlite3|appender-writer\.js:.*appendBatch|adaptive-writer/],
  ['writer-thread hand-off', /postMessage|MessagePort|messageport|node:internal\/worker|uv__async/],
  ['integration, checkpoints', /integrator\.js|tile-tree|sha256-wasm|checkpointer|ledger\/note|tile-cache|ledger\/hash/],
  ['log replay (governance, proven log)', /governance\/|proven-log|capture\/pg\/replay|follower/],
  ['hmac, sha-256', /hmacValue|node:internal\/crypto|crypto::|EVP_|OPENSSL|sha256_block|HMAC/],
  // sock_def_readable is the kernel waking the peer's reader during our write (before 'socket read', whose /readable/ matches it too).
  ['socket write', /coalesced-writer|writeBuffer|writev|libc_write|Writable\.write|writeOrBuffer|ksys_write|DoTryWrite|sock_def_readable/],
  ['entry bytes', /entries\.js|JsonStringif/],
  ['parse, shape cache', /fingerprint\.js|shape-cache|classify\.js|sql-names|sql-bodies|read-only\.js|wasm-function|libpg/],
  ['sequencer', /sequencer\.js/],
  ['gate, append, timers', /gate\.js|access-log\.js|outcome-writer|timers|Timeout/],
  ['metrics', /proxy-metrics|prom-client|metrics/],
  ['session, pending, holds, framing', /capture\/pg\/(session|pending|client-output|protocol|session-state|search-path|gate|purpose)/],
  ['socket read', /onStreamRead|ksys_read|uv__read|readable|addChunk|OnUvRead/],
  ['promises, microtasks', /RunMicrotasks|PromiseFulfill|Builtins_.*Promise|Await/],
  ['event loop', /epoll|uv__io_poll|uv_run|uv__run/],
];

const [file, tid, usPerStatement] = process.argv.slice(2);
if (!file || !tid) throw new Error('usage: proxy-perf-areas.ts <perf script output> <tid> [<CPU µs per statement>]');
const counts = new Map<string, number>();
let samples = 0;
// perf script prints one block per sample: a header line (the tid), then one frame per line, leaf first.
for (const block of readFileSync(file, 'utf8').split('\n\n')) {
  const lines = block.trim().split('\n');
  if (lines[0]?.trim().split(/\s+/)[0] !== tid) continue;
  samples++;
  let area = 'other (malloc, native code without a named frame)';
  for (const frame of lines.slice(1)) {
    const hit = AREAS.find(([, re]) => re.test(frame));
    if (hit) {
      area = hit[0];
      break;
    }
  }
  counts.set(area, (counts.get(area) ?? 0) + 1);
}
for (const [area, n] of [...counts].sort((a, b) => b[1] - a[1])) {
  const share = n / samples;
  console.log(JSON.stringify({ area, share: Number(share.toFixed(3)), ...(usPerStatement ? { us_per_stmt: Number((share * Number(usPerStatement)).toFixed(1)) } : {}), samples: n }));
}

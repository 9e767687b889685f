// V8 compiles WebAssembly lazily and tiers it up while it runs. For the
// libpg-query parser on the proxy's hot path that showed up as event-loop
// stalls of 50-1,000 ms (pgbench -S simple: ~40 TPS instead of ~1,500), so
// the parser is compiled fully up front. libpg-query compiles its module when
// it is imported: import this module before it. The flags are process-wide and
// only affect WASM compiled afterwards.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-wasm-lazy-compilation');
setFlagsFromString('--no-wasm-dynamic-tiering');

// The capture proxy turns V8's lazy WASM compilation and dynamic tiering off
// process-wide (src/capture/pg/wasm-flags.ts), which is right for its small
// parser but makes PGlite — a whole PostgreSQL in WASM — compile everything up
// front: on the 2-core dev machine PGlite.create took 14-32 s instead of 7-12 s.
// V8 reads these flags when a module is compiled, so the demo compiles PGlite
// under V8's defaults and puts the proxy's flags back afterwards.
import { setFlagsFromString } from 'node:v8';
import '../../capture/pg/wasm-flags.js'; // the state restored below is the one this module sets

export async function withDefaultWasmTiering<T>(fn: () => Promise<T>): Promise<T> {
  setFlagsFromString('--wasm-lazy-compilation');
  setFlagsFromString('--wasm-dynamic-tiering');
  try {
    return await fn();
  } finally {
    setFlagsFromString('--no-wasm-lazy-compilation');
    setFlagsFromString('--no-wasm-dynamic-tiering');
  }
}

// Starting a worker thread from a module beside the caller. From dist/ it is
// plain JS. From source (tsx, vitest) it is TypeScript, which a worker cannot
// load by itself (loader hooks given with --import do not reach worker threads
// reliably on Node 20), so a one-line bootstrap loads it through tsx's tsImport API.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type Transferable } from 'node:worker_threads';

/** Start `./<name>.js` (or `.ts` from source) relative to `callerUrl` (the caller's import.meta.url). */
export function startWorker(callerUrl: string, name: string, workerData: unknown, transferList: Transferable[] = []): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData, transferList });
  const api = pathToFileURL(join(dirname(createRequire(callerUrl).resolve('tsx')), 'esm', 'api', 'index.mjs')).href;
  const thread = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(thread)}, ${JSON.stringify(thread)}))`;
  return new Worker(boot, { eval: true, workerData, transferList, execArgv: [] });
}

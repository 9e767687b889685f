// A port already taken is the most common way for `npm start` to fail on a
// developer machine: say which address and which flag moves it.
import { IlogError } from '../../ledger/errors.js';

/** Turns EADDRINUSE / EACCES from listen() into a PORT_IN_USE IlogError naming `flag`; other errors pass through. */
export function portError(e: unknown, at: { host: string; port: number }, flag: string): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  const address = `${at.host}:${at.port}`;
  if (code === 'EADDRINUSE') return new IlogError('PORT_IN_USE', `${address} is already in use; stop what uses it or choose another port with ${flag}`, { address });
  if (code === 'EACCES') return new IlogError('PORT_IN_USE', `not allowed to listen on ${address}; choose another port with ${flag}`, { address });
  return e;
}

/** Fails fast (before slow start-up work) when a fixed port is taken; port 0 always passes. */
export async function assertPortFree(at: { host: string; port: number }, flag: string): Promise<void> {
  if (at.port === 0) return;
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e) => reject(portError(e, at, flag)));
    probe.listen(at.port, at.host, () => probe.close(() => resolve()));
  });
}

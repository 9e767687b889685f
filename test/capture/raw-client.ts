// A minimal raw protocol v3 client for fuzzing: logs in with SCRAM, then lets
// the test write arbitrary bytes and collect whatever comes back.
import { connect, type Socket } from 'node:net';
import { FrameReader } from '../../src/capture/pg/protocol/frames.js';
import { cstr, int32, message, parseErrorFields, startupPacket } from '../../src/capture/pg/protocol/messages.js';
import { ScramClient } from '../../src/capture/pg/scram.js';

export interface RawConn {
  socket: Socket;
  /** Frames received after login (type letter; error code, CommandComplete tag, ReadyForQuery status). */
  received: { type: string; code?: string; tag?: string; status?: string }[];
  closed: Promise<void>;
  isClosed(): boolean;
  /** Resolves when a ReadyForQuery arrives after frame `from`, the connection closes, or `ms` pass; true on ReadyForQuery. */
  readyAfter(from: number, ms: number): Promise<boolean>;
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

export async function rawLogin(port: number, user: string, password: string, options?: string): Promise<RawConn> {
  const socket = await openSocket(port);
  const frames = new FrameReader();
  const received: RawConn['received'] = [];
  let closedFlag = false;
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((w) => w());
  const closed = new Promise<void>((r) => socket.on('close', () => ((closedFlag = true), r(), wake())));
  socket.on('error', () => {});
  const scram = new ScramClient(password);
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    socket.on('data', (chunk) => {
      frames.push(chunk);
      for (let f = frames.next(); f; f = frames.next()) {
        const t = String.fromCharCode(f.type);
        if (!ready) {
          if (t === 'R') {
            const code = f.body.readInt32BE(0);
            if (code === 10) {
              const first = Buffer.from(scram.first());
              socket.write(message('p', cstr('SCRAM-SHA-256'), int32(first.length), first));
            } else if (code === 11) socket.write(message('p', scram.final(f.body.subarray(4).toString())));
          } else if (t === 'E') reject(new Error(parseErrorFields(f.body).M));
          else if (t === 'Z') {
            ready = true;
            resolve();
          }
          continue;
        }
        received.push(
          t === 'E' ? { type: t, code: parseErrorFields(f.body).C }
          : t === 'C' ? { type: t, tag: f.body.subarray(0, f.body.indexOf(0)).toString() }
          : t === 'Z' ? { type: t, status: String.fromCharCode(f.body[0] ?? 0) }
          : { type: t },
        );
        if (t === 'Z') wake();
      }
    });
    socket.once('close', () => reject(new Error('closed during login')));
    socket.write(startupPacket({ user, database: 'postgres', ...(options ? { options } : {}) }));
  });
  const readyAfter = (from: number, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const check = (): void => {
        const ready = received.slice(from).some((f) => f.type === 'Z');
        if (!ready && !closedFlag) return;
        done(ready);
      };
      const timer = setTimeout(() => done(false), ms);
      const done = (ready: boolean): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(ready);
      };
      waiters.add(check);
      check();
    });
  return { socket, received, closed, isClosed: () => closedFlag, readyAfter };
}

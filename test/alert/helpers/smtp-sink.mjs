// A real SMTP server process for tests (smtp-server package): listens on
// 127.0.0.1 at a random port, prints {"port":N} once listening, and writes every
// message it accepts to <dir>/<n>.json as {receivedAt, from, to, raw}. Usage: node smtp-sink.mjs <dir> [rejectRcptPattern]
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const [dir, reject] = process.argv.slice(2);
let n = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onRcptTo(address, _session, cb) {
    if (reject && new RegExp(reject).test(address.address)) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
    cb();
  },
  onData(stream, session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const file = join(dir, `${String(++n).padStart(6, '0')}.json`);
      const msg = { receivedAt: Date.now(), from: session.envelope.mailFrom && session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') };
      writeFileSync(file + '.tmp', JSON.stringify(msg));
      renameSync(file + '.tmp', file);
      cb();
    });
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.server.address().port }) + '\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

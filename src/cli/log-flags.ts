// --log-format / --log-level for the long-running commands (serve, proxy): a pino
// logger on stderr that knows the process's own secrets, so they are scrubbed.
import type { Logger } from 'pino';
import { usageError } from './output.js';

export async function loggerFromFlags(component: string, o: { logFormat: string; logLevel: string }, dir: string, secrets: string[] = []): Promise<Logger> {
  const { LOG_FORMATS, LOG_LEVELS, createLogger } = await import('../export/logger.js');
  const format = LOG_FORMATS.find((f) => f === o.logFormat);
  if (!format) throw usageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}`);
  const level = LOG_LEVELS.find((l) => l === o.logLevel);
  if (!level) throw usageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const known = [...secrets];
  if (existsSync(join(dir, 'token'))) {
    const { readLogToken } = await import('../log/appender-files.js');
    known.push(readLogToken(dir));
  }
  return createLogger({ component, format, level, secrets: known });
}

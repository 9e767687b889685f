// Progress bars for long commands (append, verify): drawn on stderr only when
// it is a terminal and --json is off, so pipes, CI logs and tests stay clean.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the current value (and optionally a new total). */
  update(value: number, total?: number): void;
  stop(): void;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

export function progressBar(label: string, total: number, json?: boolean): Progress {
  if (json || !process.stderr.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop: () => bar.stop(),
  };
}

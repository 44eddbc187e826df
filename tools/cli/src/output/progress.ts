/** Progress of a long operation, on stderr, so stdout stays clean for tables and --json. */
export interface Progress {
  update(text: string): void;
  /** The final line; always printed (unless progress is off). */
  done(text: string): void;
}

export const NO_PROGRESS: Progress = { update: () => undefined, done: () => undefined };

/** Lines written to a log (stderr not a terminal) at most this often. */
const LOG_INTERVAL_MS = 1_000;

/**
 * On a terminal, one line rewritten in place; into a file or pipe, a line at most every second,
 * so a long operation neither floods a log nor stays silent in it.
 */
export function progressOn(stderr: { write: (text: string) => void; isTTY: boolean }, now: () => number): Progress {
  if (stderr.isTTY) {
    return {
      update: (text) => stderr.write(`\r\x1b[2K${text}`),
      done: (text) => stderr.write(`\r\x1b[2K${text}\n`),
    };
  }
  let last = now();
  return {
    update(text) {
      if (now() - last < LOG_INTERVAL_MS) return;
      last = now();
      stderr.write(`${text}\n`);
    },
    done: (text) => stderr.write(`${text}\n`),
  };
}

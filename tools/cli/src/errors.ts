import type { ExitCode } from './exit-codes';

/** A command line that cannot be run (exit 2); the message says why, the usage says how. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * An expected failure with its exit code: printed as `callbacks: <message>` and one indented
 * line per detail (a field violation), never with a stack trace.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly details: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

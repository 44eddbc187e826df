import { status } from '@grpc/grpc-js';

/**
 * What the CLI's exit status means, so scripts can branch on it: one code per thing a caller
 * would do differently (fix the command line, fix the input, re-read and retry, fix the
 * credentials, wait and retry).
 */
export const EXIT = {
  ok: 0,
  /** A bug or an INTERNAL error of the service: nothing the caller can fix. */
  internal: 1,
  /** The command line is wrong: unknown flag, bad value, missing argument, unreadable file. */
  usage: 2,
  notFound: 3,
  /** The input was understood but is invalid (the service's or our own validation). */
  invalid: 4,
  /** The callback changed since it was read, or its state forbids the operation now. */
  conflict: 5,
  /** No token, a wrong token, or an account the token may not touch. */
  auth: 6,
  /** The config service, its database or NATS cannot be reached; retrying later may work. */
  unavailable: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  unexpected error (a bug, or INTERNAL from the service)
  2  usage error: unknown or bad flag, missing argument, unreadable file
  3  not found (a callback or delivery that does not exist, or is another account's)
  4  invalid input: every problem is printed with its field path (callback.url: ...)
  5  conflict: stale --expected-revision (ABORTED), or the state forbids it
     (FAILED_PRECONDITION, e.g. replaying deliveries of a disabled callback)
  6  not authenticated or not allowed: no token, unknown token, another account
  7  unavailable: the config service, its database or NATS cannot be reached, or no
     answer within --deadline; retrying later may work`;

const BY_STATUS: Partial<Record<status, ExitCode>> = {
  [status.NOT_FOUND]: EXIT.notFound,
  [status.INVALID_ARGUMENT]: EXIT.invalid,
  [status.OUT_OF_RANGE]: EXIT.invalid,
  [status.ABORTED]: EXIT.conflict,
  [status.ALREADY_EXISTS]: EXIT.conflict,
  [status.FAILED_PRECONDITION]: EXIT.conflict,
  [status.UNAUTHENTICATED]: EXIT.auth,
  [status.PERMISSION_DENIED]: EXIT.auth,
  [status.UNAVAILABLE]: EXIT.unavailable,
  [status.DEADLINE_EXCEEDED]: EXIT.unavailable,
  [status.RESOURCE_EXHAUSTED]: EXIT.unavailable,
};

export function exitCodeForStatus(code: status): ExitCode {
  return BY_STATUS[code] ?? EXIT.internal;
}

import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * Keys whose values are secrets wherever they appear in a logged object (up to two levels
 * deep, plus request headers). Censored rather than removed so a reader sees that a value was
 * there.
 */
const SECRET_KEYS = [
  'authorization',
  'token',
  'tokens',
  'password',
  'secret',
  'privateKey',
  'private_key',
  'privateKeyPem',
  'signature',
  'cookie',
  'set-cookie',
];

const REDACT_PATHS = [
  ...SECRET_KEYS.map((k) => `["${k}"]`),
  ...SECRET_KEYS.map((k) => `*["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.*["${k}"]`),
  ...SECRET_KEYS.map((k) => `headers["${k}"]`),
  ...SECRET_KEYS.map((k) => `*.headers["${k}"]`),
];

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Extra fields for every line, e.g. the active trace and span ids (set by libs/telemetry). */
  mixin?: () => Record<string, unknown>;
  /** Where lines go; standard output by default. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const { mixin } = options;
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      ...(mixin ? { mixin: () => mixin() } : {}),
    },
    // Synchronous writes: a service's last lines (why it stopped) must reach the log even when
    // the process exits right after; services do not log per event, so the cost is small.
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Removes user-info (`user:password@`) from a URL before it is logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '[unparseable url]';
  }
}

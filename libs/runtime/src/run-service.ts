import { ConfigError } from '@callbacks/config';
import { createLogger, type LogLevel, type Logger } from '@callbacks/logger';

export interface Stoppable {
  /** Graceful: stop taking work, finish what is in hand, close connections. */
  stop(): Promise<void>;
}

/**
 * The main of every service: read and validate settings (a bad environment prints one line per
 * problem and exits 2), create the logger, start, and on SIGTERM/SIGINT stop gracefully (exit 0,
 * or 1 when stopping fails). A failure to start exits 1 with the reason.
 */
export function runService<S extends { logLevel: LogLevel }>(
  name: string,
  load: (env: NodeJS.ProcessEnv) => S,
  start: (settings: S, log: Logger) => Promise<Stoppable>,
): void {
  let settings: S;
  try {
    settings = load(process.env);
  } catch (error) {
    console.error(`${name}: ${error instanceof ConfigError ? error.message : String(error)}`);
    process.exit(2);
  }
  const log = createLogger({ service: name, level: settings.logLevel });
  const exit = (code: number) => process.exit(code);

  // Signals are handled from the first moment: one that arrives while the service is starting
  // stops it as soon as it is up.
  let signalled: string | undefined;
  let running: Stoppable | undefined;
  const stop = () => {
    if (!running || !signalled) return;
    const service = running;
    running = undefined;
    log.info({ signal: signalled }, 'shutting down');
    service.stop().then(
      () => exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      signalled ??= signal;
      stop();
    });
  }

  start(settings, log).then(
    (service) => {
      running = service;
      stop();
    },
    (error: unknown) => {
      log.fatal({ err: error }, 'failed to start');
      exit(1);
    },
  );
}

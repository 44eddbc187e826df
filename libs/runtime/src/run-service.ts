import { ConfigError } from '@callbacks/config';
import { createLogger, type Logger, type LogLevel } from '@callbacks/logger';

export interface Stoppable {
  /** Graceful: stop taking work, finish what is in hand, close connections. */
  stop(): Promise<void>;
  /**
   * Resolves, with the reason, if the service can no longer do its work (its durable consumer
   * was deleted, say): it is then stopped and the process exits 1, for its supervisor to start
   * it afresh (which creates what is missing again).
   */
  failed?: Promise<unknown>;
}

/** A service's telemetry as the process lifecycle sees it (libs/telemetry provides it). */
export interface ServiceTelemetry {
  /** Fields for every log line: the active trace and span ids. */
  logFields(): Record<string, unknown>;
  /** Exports what is still buffered; called once the service has stopped. Never throws. */
  shutdown(): Promise<void>;
}

/**
 * The main of every service: read and validate settings (a bad environment prints one line per
 * problem and exits 2), create the logger and the telemetry (whose trace ids every log line
 * carries), start, and on SIGTERM/SIGINT stop gracefully (exit 0, or 1 when stopping fails), the
 * telemetry last so the final spans are exported; a signal before it is up exits 0 at once. A failure to start exits 1 with the reason,
 * and so does a service that fails later (`Stoppable.failed`), after stopping.
 */
export function runService<S extends { logLevel: LogLevel }, T extends ServiceTelemetry>(
  name: string,
  load: (env: NodeJS.ProcessEnv) => S,
  start: (settings: S, log: Logger, telemetry: NoInfer<T>) => Promise<Stoppable>,
  observe: (service: string, log: Logger) => T,
): void {
  let settings: S;
  try {
    settings = load(process.env);
  } catch (error) {
    console.error(`${name}: ${error instanceof ConfigError ? error.message : String(error)}`);
    process.exit(2);
  }
  // The logger exists before the telemetry (which logs its own problems), and asks it for the
  // trace ids of every line from then on.
  let logFields = (): Record<string, unknown> => ({});
  const log = createLogger({ service: name, level: settings.logLevel, mixin: () => logFields() });
  let telemetry: T;
  try {
    telemetry = observe(name, log);
  } catch (error) {
    log.fatal({ err: error }, 'failed to start telemetry');
    process.exit(1);
  }
  logFields = telemetry.logFields;
  const exit = (code: number) => void telemetry.shutdown().then(() => process.exit(code));

  // Signals are handled from the first moment. One that arrives while the service is still
  // starting (which may wait without end, e.g. for a bucket another service creates) exits at
  // once: nothing has been handed to it yet that another instance would not get again.
  let signalled: string | undefined;
  let starting = true;
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
      if (starting) {
        log.info({ signal }, 'stopped while still starting');
        exit(0);
        return;
      }
      stop();
    });
  }

  const fail = (reason: unknown) => {
    if (!running) return; // stopping already
    const service = running;
    running = undefined;
    log.fatal({ err: reason }, 'cannot go on; stopping');
    service.stop().then(
      () => exit(1),
      () => exit(1),
    );
  };

  start(settings, log, telemetry).then(
    (service) => {
      starting = false;
      running = service;
      void service.failed?.then(fail, fail);
      stop();
    },
    (error: unknown) => {
      log.fatal({ err: error }, 'failed to start');
      exit(1);
    },
  );
}

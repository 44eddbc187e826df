// A minimal service for run-service.test.ts: FIXTURE_PORT must be a number; FIXTURE_FAIL set, it
// fails on its own once started; FIXTURE_NEVER_UP set, its start waits for ever.
import { integer, loadSettings, oneOf } from '@callbacks/config';
import { runService } from '../src/run-service';

runService(
  'fixture',
  (env) =>
    loadSettings(env, {
      port: integer('FIXTURE_PORT'),
      logLevel: oneOf('LOG_LEVEL', ['info', 'silent'] as const, { default: 'info' }),
    }),
  async (settings, log) => {
    // Like a real service, something keeps the process alive until it is stopped.
    const alive = setInterval(() => undefined, 60_000);
    if (process.env.FIXTURE_NEVER_UP) {
      log.info('waiting for something that never comes');
      await new Promise(() => undefined);
    }
    log.info({ port: settings.port }, 'started');
    return {
      failed: process.env.FIXTURE_FAIL ? Promise.resolve(new Error('its consumer was deleted')) : undefined,
      async stop() {
        clearInterval(alive);
        log.info('stopped cleanly');
      },
    };
  },
  () => ({ logFields: () => ({ fixture_field: 'from the telemetry' }), shutdown: () => Promise.resolve() }),
);

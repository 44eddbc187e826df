import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  boolean,
  ConfigError,
  directoryWith,
  duration,
  hostPort,
  integer,
  list,
  loadSettings,
  natsServers,
  oneOf,
  parseDuration,
  sensitive,
  string,
  url,
} from './settings';

const spec = {
  addr: hostPort('GRPC_ADDR', { default: '127.0.0.1:50051' }),
  workers: integer('WORKERS', { default: 4, min: 1, max: 64 }),
  timeout: duration('TIMEOUT', { default: 15_000 }),
  mongo: url('MONGO_URL', { protocols: ['mongodb', 'mongodb+srv'] }),
  nats: natsServers('NATS_URL', { default: ['nats://127.0.0.1:4222'] }),
  level: oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
  insecure: boolean('ALLOW_HTTP', { default: false }),
  hosts: list('HOSTS', (s) => s.toUpperCase(), { default: [] }),
  token: sensitive(string('TOKEN', { pattern: /^[a-z]{8,}$/ })),
};

describe('loadSettings', () => {
  it('applies defaults and parses values', () => {
    const settings = loadSettings(
      {
        MONGO_URL: 'mongodb://127.0.0.1:27017/x',
        TIMEOUT: '1m30s',
        HOSTS: 'a, b,,c',
        LOG_LEVEL: 'WARN',
        TOKEN: 'abcdefgh',
      },
      spec,
    );
    expect(settings).toEqual({
      addr: '127.0.0.1:50051',
      workers: 4,
      timeout: 90_000,
      mongo: 'mongodb://127.0.0.1:27017/x',
      nats: ['nats://127.0.0.1:4222'],
      level: 'warn',
      insecure: false,
      hosts: ['A', 'B', 'C'],
      token: 'abcdefgh',
    });
  });

  it('reports every bad variable at once, one line each', () => {
    const error = (() => {
      try {
        loadSettings(
          {
            GRPC_ADDR: 'nope',
            NATS_URL: 'nats://a:1,http://b',
            WORKERS: '0',
            TIMEOUT: '15 seconds',
            ALLOW_HTTP: 'maybe',
            LOG_LEVEL: 'loud',
            TOKEN: 'SECRET-VALUE',
          },
          spec,
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(8);
    expect(problems.find((p) => p.startsWith('NATS_URL'))).toMatch(/item "http:\/\/b": expected a nats:\/\//);
    expect(problems[0]).toMatch(/^GRPC_ADDR: expected host:port.*got "nope"/);
    expect(problems.find((p) => p.startsWith('WORKERS'))).toMatch(/from 1 to 64/);
    expect(problems.find((p) => p.startsWith('MONGO_URL'))).toMatch(/required.*not set/);
    expect(problems.find((p) => p.startsWith('TOKEN'))).toMatch(/value hidden/);
    expect((error as ConfigError).message).not.toContain('SECRET-VALUE');
  });

  it('takes a directory only when it holds the file asked for, and says which file is missing', () => {
    const built = mkdtempSync(join(tmpdir(), 'settings-'));
    writeFileSync(join(built, 'index.html'), '<!doctype html>');
    const empty = mkdtempSync(join(tmpdir(), 'settings-'));
    const dir = { consoleDir: directoryWith('CONSOLE_DIR', 'index.html', { default: undefined }) };
    expect(loadSettings({ CONSOLE_DIR: built }, dir).consoleDir).toBe(built);
    expect(loadSettings({}, dir).consoleDir).toBeUndefined();
    expect(() => loadSettings({ CONSOLE_DIR: empty }, dir)).toThrow(
      `CONSOLE_DIR: ${join(empty, 'index.html')} does not exist (got "${empty}")`,
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadSettings({ WORKERS: '' }, { workers: spec.workers }).workers).toBe(4);
  });
});

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['15s', 15_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['5d', 432_000_000],
    ['1h30m', 5_400_000],
  ])('%s is %d ms', (raw, ms) => expect(parseDuration(raw)).toBe(ms));

  it.each(['', '15', 's', '15x', '1h 30m', '-5s'])('rejects %j', (raw) => {
    expect(() => parseDuration(raw)).toThrow(/duration/);
  });
});

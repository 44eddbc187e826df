import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '@callbacks/config';
import { type Server, startNats } from '@callbacks/infra';
import { connectNats, type NatsConnection } from './connection';
import { ensureStreams, nanos, streamSettingsSpec } from './stream-settings';
import { ensureStream } from './streams';

let nats: Server;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connectNats({ servers: [nats.url], name: 'test' });
});
afterAll(async () => {
  await nc?.close();
  await nats?.close();
});

const HOUR = 3_600_000;
const maxAgeOf = async (name: string) => (await (await jetstreamManager(nc)).streams.info(name)).config.max_age;

describe('streams have one owner of their settings', () => {
  it('a service that does not own a stream creates it when missing, never changes it, and says how it differs', async () => {
    const warnings: string[] = [];
    // The matcher starts first and creates the deliveries stream with its settings.
    const matcher = loadSettings({ DELIVERIES_STREAM_MAX_AGE: '10h' }, streamSettingsSpec('deliveries'));
    await ensureStreams(nc, 'matcher', matcher, ['deliveries'], (w) => warnings.push(w));
    expect(await maxAgeOf('CALLBACK_DELIVERIES')).toBe(nanos(10 * HOUR));
    expect(warnings).toEqual([]);

    // The dispatcher owns it: its settings apply.
    const dispatcher = loadSettings({ DELIVERIES_STREAM_MAX_AGE: '12h' }, streamSettingsSpec('deliveries'));
    await ensureStreams(nc, 'dispatcher', dispatcher, ['deliveries'], (w) => warnings.push(w));
    expect(await maxAgeOf('CALLBACK_DELIVERIES')).toBe(nanos(12 * HOUR));

    // A matcher restarted with other settings no longer imposes them; it warns instead.
    await ensureStreams(nc, 'matcher', matcher, ['deliveries'], (w) => warnings.push(w));
    expect(await maxAgeOf('CALLBACK_DELIVERIES')).toBe(nanos(12 * HOUR));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^CALLBACK_DELIVERIES: max_age \(ns\) is 43200000000000, this service's settings say 36000000000000 \(the dispatcher owns its settings\)$/,
      ),
    ]);
  });

  it('reads every stream setting from the same variables in every service', () => {
    const env = {
      RESULTS_STREAM_REPLICAS: '3',
      RESULTS_STREAM_MAX_AGE: '2d',
      DELIVERIES_STREAM_DUPLICATE_WINDOW: '30m',
    };
    expect(loadSettings(env, streamSettingsSpec('results'))).toEqual({
      resultsReplicas: 3,
      resultsMaxAgeMs: 2 * 24 * HOUR,
      resultsDuplicateWindowMs: HOUR / 2,
    });
  });

  it('without a service (tests and tools preparing a server) creates or updates as the owner would', async () => {
    await ensureStream(nc, 'results', { replicas: 1, maxAgeMs: HOUR, duplicateWindowMs: 60_000 });
    await ensureStream(nc, 'results', { replicas: 1, maxAgeMs: 2 * HOUR, duplicateWindowMs: 60_000 });
    expect(await maxAgeOf('CALLBACK_RESULTS')).toBe(nanos(2 * HOUR));
  });
});

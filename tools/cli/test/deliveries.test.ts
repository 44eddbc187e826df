import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { STREAMS, SUBJECTS } from '@callbacks/messaging';
import { AttemptResult, Outcome } from '@callbacks/proto/callbacks/delivery/v1/delivery_job';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { auth, call, sampleCallback, sampleEvent, waitForConsumerIdle } from '@callbacks/testing';
import { rows } from './run-cli';
import { startWorld, type World } from './world';

let w: World;
beforeAll(async () => {
  // The deliveries stream takes the jobs replays queue, as the matcher's does.
  w = await startWorld({ mongoUrl: inject('mongoUrl'), streams: ['results', 'deliveries'] });
});
afterAll(async () => {
  await w?.close();
});

/** What a dispatcher reports after the last attempt failed: the delivery log records it as DEAD. */
async function recordDeadDelivery(target: Callback): Promise<string> {
  const event = sampleEvent({ accountId: target.accountId, databaseId: target.databaseId });
  const startedAt = new Date();
  const result = AttemptResult.fromPartial({
    deliveryId: deliveryIdFor(event.eventId, target.id),
    accountId: target.accountId,
    callbackId: target.id,
    eventId: event.eventId,
    attempt: 10,
    outcome: Outcome.DEAD,
    startedAt,
    matchedAt: startedAt,
    duration: { seconds: 1, nanos: 500_000_000 },
    statusCode: 503,
    errorClass: 'http_status',
    errorMessage: 'the receiver answered 503',
    responseExcerpt: 'down for maintenance',
    callbackRevision: target.revision,
    event,
  });
  await jetstream(w.nc).publish(
    SUBJECTS.attemptResult(target.accountId, target.id),
    AttemptResult.encode(result).finish(),
  );
  await waitForConsumerIdle(w.nc, STREAMS.results.name, 'delivery-log');
  return result.deliveryId;
}

describe('an empty delivery log', () => {
  it('lists as such', async () => {
    const table = await w.cli(['deliveries', 'list']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('No deliveries.\n');
    const json = await w.cli(['deliveries', 'list', '--state', 'dead', '--since', '24h', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ deliveries: [] });
  });
});

describe('a dead delivery', () => {
  let callback: Callback;
  let dead: string;
  beforeAll(async () => {
    const created = await call(
      w.service.client.createCallback.bind(w.service.client),
      { callback: sampleCallback() },
      auth(w.env['CALLBACKS_TOKEN']!),
    );
    callback = created.callback!;
    dead = await recordDeadDelivery(callback);
  });

  it('is listed and shown with every attempt', async () => {
    const list = await w.cli(['deliveries', 'list', '--callback', callback.id, '--state', 'dead', '--since', '1h']);
    expect(list.code, list.stderr).toBe(0);
    const [header, row] = rows(list.stdout);
    expect(header).toEqual([
      'ID',
      'CALLBACK',
      'STATE',
      'ATTEMPTS',
      'LAST RESULT',
      'CREATED',
      'NEXT ATTEMPT',
      'REPLAY OF',
    ]);
    expect(row?.slice(0, 5)).toEqual([dead, callback.id, 'DEAD', '10', '503 http_status']);

    const show = await w.cli(['deliveries', 'show', dead]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^state\s+DEAD$/m);
    const attempt = rows(show.stdout.slice(show.stdout.indexOf('#  '))).slice(1);
    expect(attempt).toEqual([
      [
        '10',
        expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        '1.5s',
        '503',
        'http_status: the receiver answered 503',
        'down for maintenance',
      ],
    ]);
  });

  it('is replayed as a new delivery that names it', async () => {
    const replay = await w.cli(['deliveries', 'replay', dead, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    const { deliveryIds } = JSON.parse(replay.stdout) as { deliveryIds: string[] };
    expect(deliveryIds).toHaveLength(1);
    expect(deliveryIds[0]).not.toBe(dead);
    expect(replay.stderr).toContain('replayed 1 delivery');

    const replayOf = await w.cli(['deliveries', 'show', deliveryIds[0]!, '--json']);
    expect(JSON.parse(replayOf.stdout)).toMatchObject({ id: deliveryIds[0], replayOf: dead });
  });

  it("is replayed by selection (the callback's dead deliveries), and by ids read from stdin", async () => {
    const bySelection = await w.cli([
      'deliveries',
      'replay',
      '--callback',
      callback.id,
      '--state',
      'dead',
      '--since',
      '1h',
    ]);
    expect(bySelection.code, bySelection.stderr).toBe(0);
    expect(bySelection.stdout).toMatch(/^dl_\S+\n$/);

    const fromStdin = await w.cli(['deliveries', 'replay', '-'], { stdin: `${dead}\n` });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toMatch(/^dl_\S+\n$/);
  });

  // Last: it disables the callback.
  it('refuses to replay for a disabled callback (exit 5), an unknown delivery (exit 3) or nothing (exit 2)', async () => {
    const disable = await w.cli(['callbacks', 'update', callback.id, '--state', 'disabled']);
    expect(disable.code, disable.stderr).toBe(0);
    const refused = await w.cli(['deliveries', 'replay', dead]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^callbacks: not possible now: .*enable it/);

    const unknown = await w.cli(['deliveries', 'show', 'dl_0000']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe('callbacks: delivery "dl_0000" not found\n');

    const nothing = await w.cli(['deliveries', 'replay']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('missing <delivery-id>... (or --callback <id>)');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Server, startNats } from '@callbacks/infra';
import { ensureStream, STREAMS } from '@callbacks/messaging';
import { Action, Origin, ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { countMessages, readStream } from '@callbacks/testing';
import { rows, runCli } from './run-cli';

const dir = mkdtempSync(join(tmpdir(), 'callbacks-cli-events-'));
let nats: Server;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  await ensureStream(nc, 'events', { replicas: 1, maxAgeMs: 86_400_000, duplicateWindowMs: 7_200_000 });
});
afterAll(async () => {
  await nc?.close();
  await nats?.close();
  rmSync(dir, { recursive: true, force: true });
});

const publish = (args: readonly string[], options: { stdin?: string } = {}) =>
  runCli(['events', 'publish', ...args], { ...options, env: { NATS_URL: nats.url }, cwd: dir });

/** The events on the stream under one account, oldest first. */
async function eventsOf(account: string): Promise<{ event: ProfileEvent; msgId: string | undefined }[]> {
  const filter = `callbacks.events.v1.${account}.>`;
  const count = await countMessages(nc, STREAMS.events.name, filter);
  const messages = count === 0 ? [] : await readStream(nc, STREAMS.events.name, filter, count);
  return messages.map((m) => ({ event: ProfileEvent.decode(m.data), msgId: m.headers?.get('Nats-Msg-Id') }));
}

describe('events publish', () => {
  it('publishes an event from flags, with a generated id as its Nats-Msg-Id', async () => {
    const result = await publish([
      '--account',
      'flags',
      '--database',
      '7',
      '--profile',
      '1001',
      '--action',
      'update',
      '--origin',
      'publisher',
      '--field',
      'name=piet',
      '--field',
      'city=Amsterdam',
      '--previous',
      'city=Utrecht',
      '--interest',
      'sport',
      '--interest',
      'hobbies:chess',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [header, row] = rows(result.stdout);
    expect(header).toEqual(['EVENT', 'STREAM', 'SEQUENCE', 'DUPLICATE']);
    expect(row).toEqual([expect.stringMatching(/^cli-/), 'CALLBACK_EVENTS', expect.stringMatching(/^\d+$/), 'no']);

    const [stored, ...more] = await eventsOf('flags');
    expect(more).toEqual([]);
    expect(stored?.msgId).toBe(row?.[0]);
    expect(stored?.event).toMatchObject({
      eventId: row?.[0],
      accountId: 'flags',
      databaseId: '7',
      profileId: '1001',
      action: Action.UPDATE,
      origin: Origin.PUBLISHER,
      fields: { name: 'piet', city: 'Amsterdam' },
      previousFields: { city: 'Utrecht' },
      interests: [
        { name: 'sport', group: '' },
        { name: 'chess', group: 'hobbies' },
      ],
    });
    expect(stored?.event.occurredAt).toBeInstanceOf(Date);
  });

  it('publishes a file of events in order, and drops the repeats of a second run', async () => {
    const events = [1, 2, 3].map((n) => ({
      eventId: `file-${n}`,
      accountId: 'file',
      databaseId: '7',
      profileId: String(n),
      action: 'ACTION_CREATE',
      origin: 'ORIGIN_IMPORT',
      occurredAt: '2025-06-01T10:00:00Z',
      fields: { n: String(n) },
    }));
    writeFileSync(join(dir, 'events.json'), JSON.stringify(events));

    const first = await publish(['--file', 'events.json', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('published 3 events\n');
    const { published } = JSON.parse(first.stdout) as { published: { eventId: string; duplicate: boolean }[] };
    expect(published.map((p) => [p.eventId, p.duplicate])).toEqual([
      ['file-1', false],
      ['file-2', false],
      ['file-3', false],
    ]);

    const again = await publish(['--file', '-'], { stdin: JSON.stringify(events) });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('published 3 events (3 already in the stream, dropped as duplicates)\n');
    expect((await eventsOf('file')).map(({ event }) => event.profileId)).toEqual(['1', '2', '3']);
  });

  it('publishes nothing when any event is invalid, naming every problem (exit 4)', async () => {
    const fromFlags = await publish([
      '--account',
      'invalid',
      '--database',
      '7',
      '--action',
      'update',
      '--origin',
      'rest',
    ]);
    expect(fromFlags.code).toBe(4);
    expect(fromFlags.stderr).toBe('callbacks: invalid input:\n  event.profile_id: is required\n');

    const good = {
      accountId: 'invalid',
      databaseId: '7',
      profileId: '1',
      action: 'ACTION_DELETE',
      origin: 'ORIGIN_REST',
    };
    writeFileSync(join(dir, 'mixed.json'), JSON.stringify([good, { ...good, accountId: 'not valid!' }]));
    const fromFile = await publish(['--file', 'mixed.json']);
    expect(fromFile.code).toBe(4);
    expect(fromFile.stderr).toMatch(/^ {2}events\[1\]\.account_id: /m);
    expect(await eventsOf('invalid')).toEqual([]);
  });

  it('exits 7 when NATS cannot be reached, and 2 for flags that do not go together', async () => {
    const unreachable = await runCli(
      ['events', 'publish', '--file', 'events.json', '--nats', `nats://127.0.0.1:${await freePort()}`],
      { cwd: dir },
    );
    expect(unreachable.code).toBe(7);
    expect(unreachable.stderr).toMatch(/^callbacks: cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+: /);

    const both = await publish(['--file', 'events.json', '--account', '42']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --file or event flags, not both');
  });
});

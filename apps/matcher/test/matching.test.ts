import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { HEADERS, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { Action, Origin, ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { auth, call, countMessages, fieldCondition, readStream, sampleCallback, sampleEvent } from '@callbacks/testing';
import type { RunningMatcher } from '../src/app';
import {
  allJobs,
  createCallback,
  eventually,
  startInProcessMatcher,
  startWorld,
  waitForMatcherIdle,
  type World,
} from './harness';

let world: World;
let matcher: RunningMatcher;
beforeAll(async () => {
  world = await startWorld(inject('mongoUrl'));
});
afterAll(async () => {
  await matcher?.stop();
  await world?.close();
});

// One world for the whole file; the callbacks created by the first block are used by the others.
const callbacks: Record<string, Callback> = {};
const ORIGINS = Object.values(Origin).filter((o): o is Origin => typeof o === 'number' && o > 0);
const ACTIONS = [Action.CREATE, Action.UPDATE, Action.DELETE];

describe('matching', () => {
  beforeAll(async () => {
    const defs: Record<string, Partial<Callback>> = {
      all: { actions: [], triggers: [] },
      updates: { actions: [Action.UPDATE], triggers: [] },
      createOrDelete: { actions: [Action.CREATE, Action.DELETE], triggers: [] },
      restOnly: { actions: [], triggers: [Origin.REST] },
      noApiCalls: { actions: [], triggers: [], disableOnApiCalls: true },
      opensAndClicks: { actions: [Action.UPDATE], triggers: [Origin.OPEN, Origin.CLICK] },
      collection: { collectionId: 'col-1', actions: [], triggers: [] },
      otherDatabase: { databaseId: 'db-2', actions: [], triggers: [] },
      otherAccount: { accountId: 'acct-b', actions: [], triggers: [] },
      disabled: { state: CallbackState.DISABLED, actions: [], triggers: [] },
      pietOnly: {
        actions: [],
        triggers: [],
        condition: {
          rules: [
            {
              name: 'piet',
              mode: RuleMode.INCLUDE,
              disabled: false,
              conditions: [fieldCondition('name', FieldComparison.EQUALS, 'piet')],
            },
          ],
          expression: '',
        },
      },
      amsterdamNotRest: {
        actions: [],
        triggers: [],
        condition: { rules: [], expression: 'profile.fields.city == "Amsterdam" && event.origin != "REST"' },
      },
    };
    for (const [name, overrides] of Object.entries(defs))
      callbacks[name] = await createCallback(world, sampleCallback(overrides));
    matcher = await startInProcessMatcher(world);
    expect(matcher.index.size).toBe(Object.keys(defs).length);
  });

  it('fires exactly the callbacks whose scope, action, trigger and condition match; disabled ones as skipped', async () => {
    // Every action × origin for profiles of acct-a/db-1, half named piet; plus subprofiles of
    // col-1, profiles of db-2, and of another account.
    const events: ProfileEvent[] = [];
    for (const action of ACTIONS) {
      for (const origin of ORIGINS) {
        const name = origin % 2 === 0 ? 'piet' : 'klaas';
        events.push(sampleEvent({ action, origin, fields: { name, city: 'Amsterdam' } }));
        events.push(
          sampleEvent({ action, origin, collectionId: 'col-1', subprofileId: `s-${origin}`, fields: { name } }),
        );
      }
    }
    events.push(
      sampleEvent({ databaseId: 'db-2' }),
      sampleEvent({ accountId: 'acct-b' }),
      sampleEvent({ accountId: 'acct-c' }),
    );
    for (const event of events) await world.publisher.publish(event);
    await waitForMatcherIdle(world);

    // The oracle: SPEC §6 spelled out independently of the matcher's code.
    const expected = new Set<string>();
    const c = callbacks;
    for (const e of events) {
      const fire = (cb: Callback) => expected.add(deliveryIdFor(e.eventId, cb.id));
      const sub = e.subprofileId !== '';
      const apiCall = e.origin === Origin.REST || e.origin === Origin.SOAP;
      if (e.accountId === 'acct-a' && e.databaseId === 'db-1' && !sub) {
        fire(c.all!);
        fire(c.disabled!); // recorded as skipped
        if (e.action === Action.UPDATE) fire(c.updates!);
        if (e.action !== Action.UPDATE) fire(c.createOrDelete!);
        if (e.origin === Origin.REST) fire(c.restOnly!);
        if (!apiCall) fire(c.noApiCalls!);
        if (e.action === Action.UPDATE && (e.origin === Origin.OPEN || e.origin === Origin.CLICK))
          fire(c.opensAndClicks!);
        if (e.fields.name === 'piet') fire(c.pietOnly!);
        if (e.fields.city === 'Amsterdam' && e.origin !== Origin.REST) fire(c.amsterdamNotRest!);
      }
      if (e.accountId === 'acct-a' && e.databaseId === 'db-1' && sub && e.collectionId === 'col-1') fire(c.collection!);
      if (e.accountId === 'acct-a' && e.databaseId === 'db-2' && !sub) fire(c.otherDatabase!);
      if (e.accountId === 'acct-b' && e.databaseId === 'db-1' && !sub) fire(c.otherAccount!);
    }

    const jobs = await allJobs(world);
    const ids = jobs.map(({ job }) => job.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(expected);
    // A disabled callback's deliveries are skipped (not sent, but not lost either).
    for (const { job } of jobs) expect(job.skipped).toBe(job.callback!.id === c.disabled!.id);

    // A job carries what the dispatcher needs, and the event itself.
    const sample = jobs.find(({ job }) => job.callback!.id === c.pietOnly!.id)!.job;
    expect(sample.callback).toMatchObject({
      url: c.pietOnly!.url,
      format: c.pietOnly!.format,
      revision: 1,
      accountId: 'acct-a',
    });
    expect(sample.attempt).toBe(1);
    expect(sample.event!.fields.name).toBe('piet');
  });

  it('accepts the proto3 JSON mapping as well as protobuf', async () => {
    const event = sampleEvent({ origin: Origin.WEBFORM, fields: { name: 'piet' } });
    const h = natsHeaders();
    h.set(HEADERS.contentType, 'application/json');
    await jetstream(world.nc).publish(
      SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'),
      JSON.stringify(ProfileEvent.toJSON(event)),
      {
        msgID: event.eventId,
        headers: h,
      },
    );
    await waitForMatcherIdle(world);
    const ids = (await allJobs(world)).map(({ job }) => job.deliveryId);
    expect(ids).toContain(deliveryIdFor(event.eventId, callbacks.pietOnly!.id));
  });

  it('applies every configuration change from the bucket, in order', async () => {
    const admin = auth(world.config.adminToken);
    const target = callbacks.updates!;
    const { callback: updated } = await call(
      world.config.client.updateCallback.bind(world.config.client),
      { callback: { ...target, actions: [Action.DELETE] }, updateMask: ['actions'], expectedRevision: target.revision },
      admin,
    );
    const ms = await eventually(
      () => matcher.index.get(target)?.callback.revision === updated!.revision,
      'the update to reach the matcher',
    );
    console.log(`config change in the matcher's index ${ms} ms after UpdateCallback returned`);

    const update = sampleEvent({ action: Action.UPDATE });
    const del = sampleEvent({ action: Action.DELETE });
    await world.publisher.publish(update);
    await world.publisher.publish(del);
    await waitForMatcherIdle(world);
    const ids = (await allJobs(world)).map(({ job }) => job.deliveryId);
    expect(ids).not.toContain(deliveryIdFor(update.eventId, target.id));
    expect(ids).toContain(deliveryIdFor(del.eventId, target.id));

    const created = await createCallback(world, sampleCallback({ databaseId: 'db-new', actions: [] }));
    await eventually(() => matcher.index.get(created) !== undefined, 'the new callback to reach the matcher');
    await call(
      world.config.client.deleteCallback.bind(world.config.client),
      { id: created.id, expectedRevision: 0 },
      admin,
    );
    await eventually(() => matcher.index.get(created) === undefined, 'the deletion to reach the matcher');
  });

  it('matches an event published right after a change returned against that change (read your writes)', async () => {
    const admin = auth(world.config.adminToken);
    const expected: string[] = [];
    const unexpected: string[] = [];
    for (let i = 0; i < 10; i++) {
      // Created, then an event at once: the bucket has the change before CreateCallback returns.
      const created = await createCallback(world, sampleCallback({ databaseId: `ryw-${i}`, actions: [Action.UPDATE] }));
      const first = sampleEvent({ databaseId: `ryw-${i}`, action: Action.UPDATE });
      await world.publisher.publish(first);
      expected.push(deliveryIdFor(first.eventId, created.id));
      // Changed to deletes only, then an update at once: it must no longer match.
      await call(
        world.config.client.updateCallback.bind(world.config.client),
        {
          callback: { ...created, actions: [Action.DELETE] },
          updateMask: ['actions'],
          expectedRevision: created.revision,
        },
        admin,
      );
      const second = sampleEvent({ databaseId: `ryw-${i}`, action: Action.UPDATE });
      await world.publisher.publish(second);
      unexpected.push(deliveryIdFor(second.eventId, created.id));
    }
    await waitForMatcherIdle(world);
    const ids = new Set((await allJobs(world)).map(({ job }) => job.deliveryId));
    expect(expected.filter((id) => !ids.has(id))).toEqual([]);
    expect(unexpected.filter((id) => ids.has(id))).toEqual([]);
  });
});

describe('bad events', () => {
  it('dead-letters each bad event with its reason, once, while good events keep flowing', async () => {
    const js = jetstream(world.nc);
    const good = sampleEvent({ fields: { name: 'piet' } });
    const bad: [string, string, Uint8Array | string, string][] = [
      // subject, content type, body, expected reason prefix
      [SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'), 'application/json', '{"eventId": ', 'decode_error'],
      [SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'), 'application/json', '[1,2]', 'decode_error'],
      [
        SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'),
        'application/protobuf',
        new Uint8Array([0xff, 0xff, 0xff]),
        'decode_error',
      ],
      [
        SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'),
        'text/csv',
        'a,b',
        'decode_error: unsupported Content-Type',
      ],
      [
        SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'),
        'application/json',
        JSON.stringify({ ...(ProfileEvent.toJSON(sampleEvent()) as object), eventId: '' }),
        'invalid_event: event_id',
      ],
      [
        SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'),
        'application/json',
        JSON.stringify({ ...(ProfileEvent.toJSON(sampleEvent({ fields: { '9lives': 'x' } })) as object) }),
        'invalid_event: fields.9lives',
      ],
      [
        SUBJECTS.event('acct-a', 'db-1', 'profile', 'update'),
        'application/json',
        JSON.stringify({ ...(ProfileEvent.toJSON(sampleEvent()) as object), action: 'ACTION_EXPLODE' }),
        'decode_error: not a valid callbacks.events.v1.ProfileEvent in JSON: cannot decode enum callbacks.events.v1.Action from JSON: "ACTION_EXPLODE"',
      ],
      [
        SUBJECTS.event('acct-b', 'db-1', 'profile', 'update'),
        'application/protobuf',
        ProfileEvent.encode(sampleEvent()).finish(),
        'invalid_event: subject',
      ],
      [
        'callbacks.events.v1.acct-a.db-1.widget.update',
        'application/protobuf',
        ProfileEvent.encode(sampleEvent()).finish(),
        'invalid_subject',
      ],
    ];
    const dlBefore = await countMessages(world.nc, STREAMS.deadLetters.name, SUBJECTS.deadLetterEvents);
    for (const [subject, type, body] of bad) {
      const h = natsHeaders();
      h.set(HEADERS.contentType, type);
      await js.publish(subject, body, { headers: h });
    }
    await world.publisher.publish(good);
    await waitForMatcherIdle(world);

    const letters = await readStream(
      world.nc,
      STREAMS.deadLetters.name,
      SUBJECTS.deadLetterEvents,
      dlBefore + bad.length,
    );
    const mine = letters.slice(dlBefore);
    expect(mine).toHaveLength(bad.length);
    expect(await countMessages(world.nc, STREAMS.deadLetters.name, SUBJECTS.deadLetterEvents)).toBe(
      dlBefore + bad.length,
    );
    mine.forEach((letter, i) => {
      const [subject, , body, reason] = bad[i]!;
      expect(letter.headers?.get(HEADERS.deadLetterReason)).toMatch(
        new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
      expect(letter.headers?.get(HEADERS.originalSubject)).toBe(subject);
      expect(Buffer.from(letter.data)).toEqual(Buffer.from(body));
    });
    const ids = (await allJobs(world)).map(({ job }) => job.deliveryId);
    expect(ids).toContain(deliveryIdFor(good.eventId, callbacks.pietOnly!.id));
  });
});

describe('config service down', () => {
  it('keeps matching on what the bucket holds', async () => {
    await world.config.process.stop();
    const event = sampleEvent({ fields: { name: 'piet' } });
    await world.publisher.publish(event);
    await waitForMatcherIdle(world);
    const ids = (await allJobs(world)).map(({ job }) => job.deliveryId);
    expect(ids).toContain(deliveryIdFor(event.eventId, callbacks.pietOnly!.id));
    await world.config.process.start();
  });
});

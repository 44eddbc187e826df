import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '@callbacks/domain';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { CountingReceiver } from '../src/receiver';
import { System } from '../src/system';

const PROFILES = 1_000;
const EVENTS_PER_PROFILE = 20;
/** Profiles published together: their updates lie a few events apart in the events stream. */
const GROUP = 10;
/** The group after which a matcher is killed, while events keep coming. */
const MATCHER_KILLED_AFTER = 30;

/**
 * Per-profile ordering as a receiver sees it (SPEC §8a): one ordered callback, 1,000 profiles ×
 * 20 updates, two matchers and two dispatchers, one of each killed with SIGKILL mid-burst. The
 * updates of ten profiles at a time go out in one burst, so one profile's updates lie a few
 * events apart and the two matchers match neighbours of one profile at the same moment. Every
 * profile's deliveries must arrive in publish order — a repeat of the delivery just sent is
 * allowed (at least once), an older one after a newer one is not — and none may be lost.
 */
describe('per-profile ordering', () => {
  let system: System;
  let receiver: CountingReceiver;
  let callback: Callback;

  beforeAll(async () => {
    receiver = await CountingReceiver.start();
    system = await System.start({
      matchers: 2,
      dispatchers: 2,
      env: {
        // The dead matcher's events go to the other one after this.
        MATCHER_ACK_WAIT: '5s',
        DISPATCHER_ENDPOINT_CONCURRENCY: '50',
        DISPATCHER_MAX_TIMEOUT: '2s',
        // The dead dispatcher's turns go to the other one after this.
        DISPATCHER_ACK_WAIT: '6s',
        DISPATCHER_ORDERED_SWEEP_INTERVAL: '2s',
      },
      prepare: async (s) => {
        callback = await s.createCallback(
          sampleCallback({
            databaseId: 'ordered',
            url: receiver.url('/ordered'),
            actions: [],
            triggers: [],
            ordering: Ordering.PER_PROFILE,
          }),
        );
      },
    });
  });
  afterAll(async () => {
    await system?.close();
    await receiver?.close();
  });

  it('keeps every profile in publish order across two matchers, two dispatchers and SIGKILLs, losing nothing', async () => {
    const published: ProfileEvent[] = [];
    /** Each profile's updates as the events stream stored them: n → stream sequence. */
    const stored = new Map<string, number[]>();
    // A group's updates are published in one burst, in order over one connection: the stream
    // stores a profile's n-th update before its (n+1)-th (checked below).
    const publishing = (async () => {
      for (let group = 0; group < PROFILES / GROUP; group++) {
        if (group === MATCHER_KILLED_AFTER) await system.matchers[0]!.kill();
        const burst = Array.from({ length: EVENTS_PER_PROFILE * GROUP }, (_, i) =>
          sampleEvent({
            databaseId: 'ordered',
            profileId: `p${group * GROUP + (i % GROUP)}`,
            action: Action.UPDATE,
            origin: Origin.PUBLISHER,
            fields: { n: String(Math.floor(i / GROUP)) },
            previousFields: { n: String(Math.floor(i / GROUP) - 1) },
          }),
        );
        const acks = await Promise.all(burst.map((event) => system.publisher.publish(event)));
        burst.forEach((event, i) => {
          const line = stored.get(event.profileId) ?? [];
          line.push(acks[i]!.seq);
          stored.set(event.profileId, line);
        });
        published.push(...burst);
      }
    })();

    const total = PROFILES * EVENTS_PER_PROFILE;
    expect(await receiver.waitForDistinct(total / 5, 180_000), 'deliveries flow before the kill').toBe(true);
    await system.dispatchers[0]!.kill();
    const atKill = receiver.distinct.size;
    await publishing;
    for (const [profile, sequences] of stored)
      expect(
        sequences.every((seq, n) => n === 0 || seq > sequences[n - 1]!),
        `${profile} stored in order`,
      ).toBe(true);
    const arrived = await receiver.waitForDistinct(total, 300_000);

    // Each profile's arrivals, in the order they came: sequence and the update's number.
    const byProfile = new Map<string, { sequence: number; n: number }[]>();
    for (const a of receiver.arrivals) {
      const body = JSON.parse(a.body.toString('utf8')) as { profile: string; sequence: number; fields: { n: string } };
      const line = byProfile.get(body.profile) ?? [];
      line.push({ sequence: body.sequence, n: Number(body.fields.n) });
      byProfile.set(body.profile, line);
    }
    const inversions: string[] = [];
    for (const [profile, line] of byProfile) {
      for (let i = 1; i < line.length; i++) {
        const [before, after] = [line[i - 1]!, line[i]!];
        if (after.sequence < before.sequence || after.n < before.n)
          inversions.push(`${profile}: #${before.n} (${before.sequence}) then #${after.n} (${after.sequence})`);
      }
    }
    const expected = new Set(published.map((e) => deliveryIdFor(e.eventId, callback.id)));
    const lost = [...expected].filter((id) => !receiver.distinct.has(id));
    console.log(
      JSON.stringify({
        test: 'ordering',
        profiles: PROFILES,
        events: published.length,
        delivered_at_kill: atKill,
        delivered: receiver.distinct.size,
        repeats: receiver.arrivals.length - receiver.distinct.size,
        inversions: inversions.length,
        lost: lost.length,
      }),
    );

    expect(arrived).toBe(true);
    expect(inversions.slice(0, 10)).toEqual([]);
    expect(lost).toEqual([]);
    expect(byProfile.size).toBe(PROFILES);
    for (const line of byProfile.values()) expect(new Set(line.map((a) => a.n)).size).toBe(EVENTS_PER_PROFILE);
  });
});

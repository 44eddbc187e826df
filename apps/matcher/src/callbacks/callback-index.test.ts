import { describe, expect, it, vi } from 'vitest';
import { toEvaluationInput } from '@callbacks/conditions';
import { matchEvent } from '@callbacks/matching';
import { callbackKey, encodeCallbackEntry } from '@callbacks/messaging';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, CallbackState, Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { encodeTargetField } from '../matching/delivery-job';
import { CallbackIndex, type InvalidCallback } from './callback-index';

// A condition whose compiling throws stands for a bug in the conditions library (or its CEL or
// RE2 engines): what the index does then is what this test is about.
vi.mock('@callbacks/conditions', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@callbacks/conditions')>();
  return {
    ...actual,
    compileCondition: (condition: Parameters<typeof actual.compileCondition>[0]) => {
      if (condition?.expression === 'throws') throw new Error('a bug');
      return actual.compileCondition(condition);
    },
  };
});

const callback = (id: string, revision = 1, expression = '') =>
  sampleCallback({ id, revision, condition: { rules: [], expression }, actions: [], triggers: [] });

describe('CallbackIndex', () => {
  it('keeps every other callback when one condition cannot be compiled at all', () => {
    const invalid: string[] = [];
    const index = new CallbackIndex((i) =>
      invalid.push(i.kind === 'condition' ? `${i.callback.id}: ${i.problems}` : i.key),
    );
    for (const c of [callback('cb_a'), callback('cb_b'), callback('cb_c')]) index.put(c);
    index.put(callback('cb_b', 2, 'throws'));

    expect(index.size).toBe(3);
    const event = toEvaluationInput(sampleEvent());
    const matching = index
      .candidates('acct-a', 'db-1', '')
      .filter((c) => c.condition?.matches(event))
      .map((c) => c.callback.id);
    expect(matching).toEqual(['cb_a', 'cb_c']);
    expect(invalid).toEqual(['cb_b: the condition could not be compiled: a bug']);
  });

  it("hands matching a scope's callbacks as they were, and the new ones after a change", () => {
    const index = new CallbackIndex();
    index.put(callback('cb_a'));
    index.put(callback('cb_b'));
    const before = index.candidates('acct-a', 'db-1', '');
    index.put(callback('cb_a', 2));
    index.remove(callbackKey(callback('cb_b')));
    index.remove(callbackKey(callback('cb_never_there')));
    expect(before.map((c) => [c.callback.id, c.callback.revision])).toEqual([
      ['cb_a', 1],
      ['cb_b', 1],
    ]);
    expect(index.candidates('acct-a', 'db-1', '').map((c) => [c.callback.id, c.callback.revision])).toEqual([
      ['cb_a', 2],
    ]);
    index.remove(callbackKey(callback('cb_a')));
    expect(index.candidates('acct-a', 'db-1', '')).toEqual([]);
    expect(index.size).toBe(0);
  });

  it("decodes a database's callbacks when its first event comes, and groups them by collection", () => {
    const invalid: InvalidCallback[] = [];
    const index = new CallbackIndex((i) => invalid.push(i));
    const put = (c: Callback) => {
      const { key, value } = encodeCallbackEntry(c);
      index.putEncoded(key, value);
    };
    put(callback('cb_profiles'));
    put({ ...callback('cb_members'), collectionId: 'members' });
    put({ ...callback('cb_other_db'), databaseId: 'db-2' });
    // Not a Callback: field 1 says length 100 with two bytes after it.
    index.putEncoded('acct-a.db-1.cb_broken', Uint8Array.of(0x0a, 100, 1, 2));
    expect(index.size).toBe(4);

    expect(index.candidates('acct-a', 'db-1', '').map((c) => c.callback.id)).toEqual(['cb_profiles']);
    expect(index.candidates('acct-a', 'db-1', 'members').map((c) => c.callback.id)).toEqual(['cb_members']);
    expect(index.candidates('acct-a', 'db-2', '').map((c) => c.callback.id)).toEqual(['cb_other_db']);
    expect(index.candidates('acct-b', 'db-1', '')).toEqual([]);
    // The undecodable one is reported once, with its key, and then matches nothing and counts no more.
    expect(invalid.map((i) => (i.kind === 'undecodable' ? i.key : i.kind))).toEqual(['acct-a.db-1.cb_broken']);
    expect(index.size).toBe(3);

    // A new version of one replaces it; the database's others stay as they were decoded.
    const before = index.candidates('acct-a', 'db-1', '')[0];
    put({ ...callback('cb_members', 2), collectionId: 'members' });
    expect(index.candidates('acct-a', 'db-1', '')[0]).toBe(before);
    expect(index.get({ accountId: 'acct-a', databaseId: 'db-1', id: 'cb_members' })?.callback.revision).toBe(2);
    expect(index.get({ accountId: 'acct-a', databaseId: 'db-1', id: 'cb_broken' })).toBeUndefined();
  });

  it('keeps of a decoded callback what matching and its jobs read, and matches as the whole callback would', () => {
    const index = new CallbackIndex();
    const full: Callback = {
      ...callback('cb_kept', 7, 'event.origin != "REST"'),
      collectionId: 'members',
      state: CallbackState.DISABLED,
      ordering: Ordering.PER_PROFILE,
      actions: [Action.UPDATE],
      triggers: [Origin.PUBLISHER],
    };
    const { key, value } = encodeCallbackEntry(full);
    index.putEncoded(key, value);
    const [kept] = index.candidates('acct-a', 'db-1', 'members');
    expect(kept?.callback).toEqual({
      id: 'cb_kept',
      accountId: 'acct-a',
      databaseId: 'db-1',
      collectionId: 'members',
      state: CallbackState.DISABLED,
      ordering: Ordering.PER_PROFILE,
      revision: 7,
      targetField: encodeTargetField(full),
    });
    const event = (origin: Origin) =>
      sampleEvent({ collectionId: 'members', subprofileId: 's-1', action: Action.UPDATE, origin });
    for (const [origin, matches] of [
      [Origin.PUBLISHER, [{ callback: kept!.callback, skipped: true }]],
      [Origin.REST, []],
    ] as const) {
      const e = event(origin);
      expect(matchEvent(e, toEvaluationInput(e), index.candidates('acct-a', 'db-1', 'members'))).toEqual(matches);
    }
  });

  it('does not match an entry whose value is of another scope than its key says (version skew)', () => {
    const index = new CallbackIndex();
    const { value } = encodeCallbackEntry({ ...callback('cb_elsewhere'), databaseId: 'db-2' });
    index.putEncoded('acct-a.db-1.cb_elsewhere', value);
    const event = sampleEvent();
    expect(matchEvent(event, toEvaluationInput(event), index.candidates('acct-a', 'db-1', ''))).toEqual([]);
  });
});

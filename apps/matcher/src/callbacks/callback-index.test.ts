import { describe, expect, it, vi } from 'vitest';
import { toEvaluationInput } from '@callbacks/conditions';
import { callbackKey, encodeCallbackEntry } from '@callbacks/messaging';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
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
});

import { describe, expect, it, vi } from 'vitest';
import { toEvaluationInput } from '@callbacks/conditions';
import { sampleCallback, sampleEvent } from '@callbacks/testing';
import { CallbackIndex } from './callback-index';

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
    const index = new CallbackIndex((c, problems) => invalid.push(`${c.id}: ${problems}`));
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
    index.remove('cb_b');
    index.remove('cb_never_there');
    expect(before.map((c) => [c.callback.id, c.callback.revision])).toEqual([
      ['cb_a', 1],
      ['cb_b', 1],
    ]);
    expect(index.candidates('acct-a', 'db-1', '').map((c) => [c.callback.id, c.callback.revision])).toEqual([
      ['cb_a', 2],
    ]);
    index.remove('cb_a');
    expect(index.candidates('acct-a', 'db-1', '')).toEqual([]);
    expect(index.size).toBe(0);
  });
});

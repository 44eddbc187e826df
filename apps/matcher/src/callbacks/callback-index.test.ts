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
  it('keeps every other callback of a snapshot when one condition cannot be compiled at all', () => {
    const invalid: string[] = [];
    const index = new CallbackIndex((c, problems) => invalid.push(`${c.id}: ${problems}`));
    index.replaceAll([callback('cb_a'), callback('cb_b'), callback('cb_c')]);
    index.replaceAll([callback('cb_a'), callback('cb_b', 2, 'throws'), callback('cb_c')]);

    expect(index.size).toBe(3);
    const event = toEvaluationInput(sampleEvent());
    const matching = index
      .candidates('acct-a', 'db-1', '')
      .filter((c) => c.condition?.matches(event))
      .map((c) => c.callback.id);
    expect(matching).toEqual(['cb_a', 'cb_c']);
    expect(invalid).toEqual(['cb_b: the condition could not be compiled: a bug']);
  });

  it('keeps a deleted callback deleted through the next snapshot, against a late notice of an earlier change', () => {
    const index = new CallbackIndex();
    index.replaceAll([callback('cb_a', 1)]);
    expect(index.remove('cb_a', 2)).toBe(true);
    index.replaceAll([]);
    expect(index.upsert(callback('cb_a', 2))).toBe(false);
    expect(index.get('cb_a')).toBeUndefined();
    // Two snapshots on, the tombstone is gone: the index no longer grows with every deletion.
    index.replaceAll([]);
    expect(index.upsert(callback('cb_a', 2))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { Callback, Format, Ordering } from '@callbacks/proto/callbacks/v1/callback';
import { UsageError } from '../errors';
import { applyCallbackFlags } from './callback-flags';

const noFiles = { cwd: '/', readStdin: () => Promise.reject(new Error('no stdin in this test')) };

describe('callback flags', () => {
  it('set exactly the fields given, and name them in the update mask', async () => {
    const callback = Callback.fromPartial({ id: 'cb_1' });
    const paths = await applyCallbackFlags(
      callback,
      { url: 'https://example.com/h', action: ['update'], 'api-calls': false, timeout: '1500ms' },
      noFiles,
    );
    expect(paths).toEqual(['url', 'actions', 'disable_on_api_calls', 'delivery_policy.timeout']);
    expect(callback).toMatchObject({
      url: 'https://example.com/h',
      actions: [Action.UPDATE],
      disableOnApiCalls: true,
      deliveryPolicy: { maxConcurrency: 0, timeout: { seconds: 1, nanos: 500_000_000 } },
      format: Format.UNSPECIFIED,
    });
  });

  it('take the ordering as none or per-profile, and refuse anything else by name', async () => {
    const callback = Callback.fromPartial({});
    expect(await applyCallbackFlags(callback, { ordering: 'per-profile' }, noFiles)).toEqual(['ordering']);
    expect(callback.ordering).toBe(Ordering.PER_PROFILE);
    await applyCallbackFlags(callback, { ordering: 'none' }, noFiles);
    expect(callback.ordering).toBe(Ordering.NONE);
    await expect(applyCallbackFlags(callback, { ordering: 'fifo' }, noFiles)).rejects.toThrow(
      /--ordering "fifo": expected one of/,
    );
  });

  it('take "all" for every action or origin, which the API spells as an empty list', async () => {
    const callback = Callback.fromPartial({ triggers: [Origin.REST] });
    expect(await applyCallbackFlags(callback, { trigger: ['all'] }, noFiles)).toEqual(['triggers']);
    expect(callback.triggers).toEqual([]);
    await expect(applyCallbackFlags(callback, { trigger: ['all,rest'] }, noFiles)).rejects.toThrow(UsageError);
  });

  it('make a condition of an expression, but not of an expression and a file', async () => {
    const callback = Callback.fromPartial({});
    expect(await applyCallbackFlags(callback, { expression: 'event.origin != "REST"' }, noFiles)).toEqual([
      'condition',
    ]);
    expect(callback.condition).toEqual({ rules: [], expression: 'event.origin != "REST"' });
    await expect(
      applyCallbackFlags(callback, { expression: 'true', 'condition-file': 'c.json' }, noFiles),
    ).rejects.toThrow(/not both/);
  });
});

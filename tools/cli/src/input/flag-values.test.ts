import { describe, expect, it } from 'vitest';
import { Action } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { UsageError } from '../errors';
import { enumFlag, enumList, keyValues, timeFlag } from './flag-values';

describe('enum flags', () => {
  it('take the short name in any case, with dashes, or the proto3 JSON name', () => {
    expect(enumFlag('state', 'disabled-failing', CallbackState, 'CALLBACK_STATE_')).toBe(
      CallbackState.DISABLED_FAILING,
    );
    expect(enumFlag('state', 'CALLBACK_STATE_ACTIVE', CallbackState, 'CALLBACK_STATE_')).toBe(CallbackState.ACTIVE);
    expect(enumList('action', ['create,UPDATE', 'delete'], Action, 'ACTION_')).toEqual([
      Action.CREATE,
      Action.UPDATE,
      Action.DELETE,
    ]);
  });

  it('refuse UNSPECIFIED and unknown names, listing what is allowed', () => {
    expect(() => enumFlag('action', 'unspecified', Action, 'ACTION_')).toThrow(
      new UsageError('--action "unspecified": expected one of create, update, delete'),
    );
    expect(() => enumFlag('action', 'unrecognized', Action, 'ACTION_')).toThrow(UsageError);
  });
});

describe('key=value flags', () => {
  it('split at the first =, so values may hold one', () => {
    expect(keyValues('field', ['expr=a=b', 'empty='])).toEqual({ expr: 'a=b', empty: '' });
    expect(() => keyValues('label', ['team'])).toThrow('--label "team": expected key=value');
  });
});

describe('time flags', () => {
  const now = Date.parse('2025-06-02T12:00:00Z');

  it('read ISO times and dates, or a duration back from now', () => {
    expect(timeFlag('since', '2025-06-01T10:00:00+02:00', now).toISOString()).toBe('2025-06-01T08:00:00.000Z');
    expect(timeFlag('since', '2025-06-01', now).toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(timeFlag('since', '36h', now).toISOString()).toBe('2025-06-01T00:00:00.000Z');
  });

  it('refuse a time without a zone rather than guess one', () => {
    expect(() => timeFlag('until', '2025-06-01T10:00', now)).toThrow(UsageError);
    expect(() => timeFlag('until', 'yesterday', now)).toThrow(UsageError);
  });
});

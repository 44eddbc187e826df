import type { CompiledCondition } from '@callbacks/conditions';
import type { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';

/** A callback ready for matching: its condition compiled once, its sets as bit masks. */
export interface MatchableCallback {
  readonly callback: Callback;
  /** Bit per Action; 0 = every action. */
  readonly actions: number;
  /** Bit per Origin; 0 = every origin. */
  readonly triggers: number;
  /** Undefined when the callback has no condition. */
  readonly condition: CompiledCondition | undefined;
}

/** `condition` is the callback's condition compiled; the caller decides what a failure to compile means. */
export function matchable(callback: Callback, condition: CompiledCondition | undefined): MatchableCallback {
  return { callback, actions: mask(callback.actions), triggers: mask(callback.triggers), condition };
}

/** The bit of an Action or Origin in a mask. */
export const bit = (value: Action | Origin): number => 1 << value;

const mask = (values: readonly (Action | Origin)[]) => values.reduce((m, v) => m | bit(v), 0);

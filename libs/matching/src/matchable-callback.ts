import type { CompiledCondition } from '@callbacks/conditions';
import type { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';

/** What the matching rule reads of a callback itself (its sets and condition are compiled beside it). */
export type RuleFields = Pick<Callback, 'accountId' | 'databaseId' | 'collectionId' | 'state'>;

/** What the verdict needs of a compiled condition (an explanation needs the whole CompiledCondition). */
export type ConditionTest = Pick<CompiledCondition, 'matches'>;

/**
 * A callback ready for matching: its condition compiled once, its sets as bit masks. `C` is what
 * it keeps of the callback: the whole of it by default, less for a holder of many (the matcher).
 */
export interface MatchableCallback<C extends RuleFields = Callback, K extends ConditionTest = CompiledCondition> {
  readonly callback: C;
  /** Bit per Action; 0 = every action. */
  readonly actions: number;
  /** Bit per Origin; 0 = every origin. */
  readonly triggers: number;
  /** Undefined when the callback has no condition. */
  readonly condition: K | undefined;
}

/**
 * `condition` is the callback's condition compiled; the caller decides what a failure to compile
 * means. `kept`: what the result holds in place of the callback (by default the callback).
 */
export function matchable(callback: Callback, condition: CompiledCondition | undefined): MatchableCallback;
export function matchable<C extends RuleFields, K extends ConditionTest>(
  callback: Callback,
  condition: K | undefined,
  kept: C,
): MatchableCallback<C, K>;
export function matchable(
  callback: Callback,
  condition: ConditionTest | undefined,
  kept: RuleFields = callback,
): MatchableCallback<RuleFields, ConditionTest> {
  return { callback: kept, actions: mask(callback.actions), triggers: mask(callback.triggers), condition };
}

/** The bit of an Action or Origin in a mask. */
export const bit = (value: Action | Origin): number => 1 << value;

const mask = (values: readonly (Action | Origin)[]) => values.reduce((m, v) => m | bit(v), 0);

import type { EvaluationInput } from '@callbacks/conditions';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { ConditionTest, MatchableCallback, RuleFields } from './matchable-callback';
import { actionAllowed, conditionHolds, inScope, isActive, triggerAllowed, type Verdict } from './matching-rule';

/**
 * The matcher's view of the matching rule: the verdict for one callback. The checks of
 * `MATCHING_RULE` are called by name rather than through the table, so that they can be inlined
 * on this hot path; the state comes last because it only chooses between `send` and `skip`, the
 * condition just before it because it is the expensive check. `explain` runs the table and gives
 * the same verdict (the lib's property test holds the two equal).
 */
export function verdict(
  callback: MatchableCallback<RuleFields, ConditionTest>,
  event: ProfileEvent,
  input: EvaluationInput,
): Verdict {
  if (!inScope(callback, event) || !actionAllowed(callback, event) || !triggerAllowed(callback, event)) return 'none';
  if (!conditionHolds(callback, input)) return 'none';
  return isActive(callback) ? 'send' : 'skip';
}

/** A delivery an event makes: sent, or recorded as skipped (the callback is not ACTIVE). */
export interface Match<C extends RuleFields = Callback> {
  readonly callback: C;
  readonly skipped: boolean;
}

/**
 * The deliveries an event makes among `candidates` (the matcher hands those of the event's
 * scope): one per callback whose verdict is `send` or `skip`. `input` is `toEvaluationInput(event)`,
 * made once per event. Allocates only the matches.
 */
export function matchEvent<C extends RuleFields>(
  event: ProfileEvent,
  input: EvaluationInput,
  candidates: readonly MatchableCallback<C, ConditionTest>[],
): Match<C>[] {
  const matched: Match<C>[] = [];
  for (const candidate of candidates) {
    const result = verdict(candidate, event, input);
    if (result !== 'none') matched.push({ callback: candidate.callback, skipped: result === 'skip' });
  }
  return matched;
}

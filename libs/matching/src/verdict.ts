import type { EvaluationInput } from '@callbacks/conditions';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { MatchableCallback } from './matchable-callback';
import { MATCHING_RULE, afterFailure, type Verdict } from './matching-rule';

/**
 * The matcher's view of the matching rule: the verdict for one callback, stopping at the first
 * check that rules the callback out. Allocates nothing; `explain` gives the same verdict, with
 * reasons.
 */
export function verdict(callback: MatchableCallback, event: ProfileEvent, input: EvaluationInput): Verdict {
  let result: Verdict = 'send';
  for (const check of MATCHING_RULE) {
    if (check.holds(callback, event, input)) continue;
    result = afterFailure(result, check);
    if (result === 'none') return result;
  }
  return result;
}

/** A delivery an event makes: sent, or recorded as skipped (the callback is not ACTIVE). */
export interface Match {
  readonly callback: Callback;
  readonly skipped: boolean;
}

/**
 * The deliveries an event makes among `candidates` (the matcher hands those of the event's
 * scope): one per callback whose verdict is `send` or `skip`. `input` is `toEvaluationInput(event)`,
 * made once per event.
 */
export function matchEvent(event: ProfileEvent, input: EvaluationInput, candidates: readonly MatchableCallback[]): Match[] {
  const matched: Match[] = [];
  for (const candidate of candidates) {
    const result = verdict(candidate, event, input);
    if (result !== 'none') matched.push({ callback: candidate.callback, skipped: result === 'skip' });
  }
  return matched;
}

import { compileCondition, type ConditionExplanation, type EvaluationInput } from '@callbacks/conditions';
import { actionToJSON, originToJSON, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, callbackStateToJSON } from '@callbacks/proto/callbacks/v1/callback';
import type { RuleExplanation } from '@callbacks/proto/callbacks/v1/callback_service';
import type { MatchableCallback } from './matchable-callback';
import { type Check, type CheckName, MATCHING_RULE, type Verdict } from './matching-rule';

/** Whether a callback fires for an event, and why, in the words TestCallback answers with. */
export interface MatchExplanation {
  /** Always equal to `verdict()` for the same callback, event and input. */
  verdict: Verdict;
  /** Whether the callback matches (SPEC §6): the verdict is `send`. */
  matched: boolean;
  /** One sentence: every check that failed, or what let it fire. */
  reason: string;
  rules: RuleExplanation[];
  /** The expression's value; true when there is none. */
  expressionResult: boolean;
}

/**
 * TestCallback's view of the matching rule: every check of `MATCHING_RULE`, in its order, also
 * after one failed, so a user fixing a test event sees everything that stands in the way at once.
 * The condition's verdict is taken from its explanation, so that the reason never contradicts it.
 */
export function explain(matchable: MatchableCallback, event: ProfileEvent, input: EvaluationInput): MatchExplanation {
  const { callback, condition } = matchable;
  const explained = condition?.explain(input);
  const failures: string[] = [];
  let result: Verdict = 'send';
  for (const check of MATCHING_RULE) {
    const held = check.name === 'condition' ? (explained?.matches ?? true) : check.holds(matchable, event, input);
    if (held) continue;
    result = afterFailure(result, check);
    failures.push(failure(check.name, callback, event, explained));
  }

  const reason =
    failures.length > 0
      ? `does not match: ${failures.join('; ')}`
      : `matches: scope, state, action and trigger allow it, and ${explained ? `the condition ${explained.summary}` : 'there is no condition'}`;
  return {
    verdict: result,
    matched: result === 'send',
    reason,
    rules: (explained?.rules ?? []).map((rule) => ({
      index: rule.index,
      name: rule.name,
      excluding: rule.excluding,
      disabled: rule.disabled,
      held: rule.held,
      failedCondition: rule.failedCondition?.index ?? -1,
      failure: rule.failedCondition?.description ?? '',
    })),
    expressionResult: expressionResult(callback, explained, input),
  };
}

/** The verdict once `check` has failed, given the verdict so far. */
function afterFailure(sofar: Verdict, check: Check): Verdict {
  return sofar === 'none' ? 'none' : check.otherwise;
}

function failure(
  check: CheckName,
  callback: Callback,
  event: ProfileEvent,
  explained: ConditionExplanation | undefined,
): string {
  switch (check) {
    case 'scope':
      return scopeFailure(callback, event);
    case 'state': {
      const because = callback.stateReason === '' ? '' : ` (${callback.stateReason})`;
      return `the callback is ${callbackStateToJSON(callback.state)}${because}: the event would be recorded as a skipped delivery`;
    }
    case 'action':
      return `the event's action ${actionToJSON(event.action)} is not one of ${callback.actions.map(actionToJSON).join(', ')}`;
    case 'trigger':
      return `the event's origin ${originToJSON(event.origin)} is not one of the triggers ${callback.triggers.map(originToJSON).join(', ')}`;
    case 'condition':
      return `the condition ${explained?.summary ?? 'does not fire'}`;
  }
}

/** Where a callback listens (SPEC §3): a database's profiles, or one collection's subprofiles. */
function scopeFailure(callback: Callback, event: ProfileEvent): string {
  if (event.accountId !== callback.accountId) {
    return `the event is of account ${quote(event.accountId)}, the callback of account ${quote(callback.accountId)}`;
  }
  if (event.databaseId !== callback.databaseId) {
    return `the event is of database ${quote(event.databaseId)}, the callback listens to database ${quote(callback.databaseId)}`;
  }
  if (callback.collectionId === '') {
    return `the event is of a subprofile in collection ${quote(event.collectionId)}; the callback listens to the database's profiles`;
  }
  if (event.collectionId === '')
    return `the event is of a profile; the callback listens to the subprofiles of collection ${quote(callback.collectionId)}`;
  return `the event is of collection ${quote(event.collectionId)}, the callback listens to collection ${quote(callback.collectionId)}`;
}

/**
 * The explanation holds the expression's value only when the rules let it decide; a user still
 * wants to know it, so it is then evaluated on its own.
 */
function expressionResult(
  callback: Callback,
  explained: ConditionExplanation | undefined,
  input: EvaluationInput,
): boolean {
  if (explained?.expression) return explained.expression.result;
  const source = callback.condition?.expression ?? '';
  if (source.trim() === '') return true;
  const alone = compileCondition({ rules: [], expression: source });
  return alone.ok ? alone.condition.matches(input) : false;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

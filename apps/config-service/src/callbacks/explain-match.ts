import type { CompiledCondition, ConditionExplanation } from '@callbacks/conditions';
import { compileCondition, toEvaluationInput } from '@callbacks/conditions';
import { actionToJSON, originToJSON, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState, callbackStateToJSON, type Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { RuleExplanation } from '@callbacks/proto/callbacks/v1/callback_service';

/** Whether a callback fires for an event, and why, in the words TestCallback answers with. */
export interface MatchExplanation {
  matched: boolean;
  /** One sentence: every check that failed, or what let it fire. */
  reason: string;
  rules: RuleExplanation[];
  /** The expression's value; true when there is none. */
  expressionResult: boolean;
}

/**
 * The matcher's checks of SPEC §6, in its order (scope, state, action, trigger, condition), each
 * explained. Every check is evaluated, also after one failed, so a user fixing a test event sees
 * everything that stands in the way at once. `condition` is the callback's compiled condition
 * (undefined when it has none).
 */
export function explainMatch(callback: Callback, event: ProfileEvent, condition: CompiledCondition | undefined): MatchExplanation {
  const failures = [scopeFailure(callback, event), stateFailure(callback), actionFailure(callback, event), triggerFailure(callback, event)].filter(
    (f): f is string => f !== undefined,
  );
  const input = toEvaluationInput(event);
  const explained = condition?.explain(input);
  if (explained && !explained.matches) failures.push(`the condition ${explained.summary}`);

  const reason =
    failures.length > 0
      ? `does not match: ${failures.join('; ')}`
      : `matches: scope, state, action and trigger allow it, and ${explained ? `the condition ${explained.summary}` : 'there is no condition'}`;
  return {
    matched: failures.length === 0,
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

/** Where a callback listens (SPEC §3): a database's profiles, or one collection's subprofiles. */
function scopeFailure(callback: Callback, event: ProfileEvent): string | undefined {
  if (event.accountId !== callback.accountId) {
    return `the event is of account ${quote(event.accountId)}, the callback of account ${quote(callback.accountId)}`;
  }
  if (event.databaseId !== callback.databaseId) {
    return `the event is of database ${quote(event.databaseId)}, the callback listens to database ${quote(callback.databaseId)}`;
  }
  if (event.collectionId === callback.collectionId) return undefined;
  if (callback.collectionId === '') {
    return `the event is of a subprofile in collection ${quote(event.collectionId)}; the callback listens to the database's profiles`;
  }
  if (event.collectionId === '') return `the event is of a profile; the callback listens to the subprofiles of collection ${quote(callback.collectionId)}`;
  return `the event is of collection ${quote(event.collectionId)}, the callback listens to collection ${quote(callback.collectionId)}`;
}

function stateFailure(callback: Callback): string | undefined {
  if (callback.state === CallbackState.ACTIVE) return undefined;
  const because = callback.stateReason === '' ? '' : ` (${callback.stateReason})`;
  return `the callback is ${callbackStateToJSON(callback.state)}${because}: the event would be recorded as a skipped delivery`;
}

function actionFailure(callback: Callback, event: ProfileEvent): string | undefined {
  if (callback.actions.length === 0 || callback.actions.includes(event.action)) return undefined;
  return `the event's action ${actionToJSON(event.action)} is not one of ${callback.actions.map(actionToJSON).join(', ')}`;
}

function triggerFailure(callback: Callback, event: ProfileEvent): string | undefined {
  if (callback.triggers.length === 0 || callback.triggers.includes(event.origin)) return undefined;
  return `the event's origin ${originToJSON(event.origin)} is not one of the triggers ${callback.triggers.map(originToJSON).join(', ')}`;
}

/**
 * The explanation holds the expression's value only when the rules let it decide; a user still
 * wants to know it, so it is then evaluated on its own.
 */
function expressionResult(callback: Callback, explained: ConditionExplanation | undefined, input: ReturnType<typeof toEvaluationInput>): boolean {
  if (explained?.expression) return explained.expression.result;
  const source = callback.condition?.expression ?? '';
  if (source.trim() === '') return true;
  const alone = compileCondition({ rules: [], expression: source });
  return alone.ok ? alone.condition.matches(input) : false;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

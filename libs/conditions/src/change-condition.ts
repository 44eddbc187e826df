import type { Violations } from '@callbacks/domain';
import { Action } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type ChangeCondition, ChangeKind } from '@callbacks/proto/callbacks/v1/condition';
import type { EvaluationInput } from './evaluation-input';
import { checkFieldName, type CompiledRuleCondition, fieldReader, type Predicate, textNormalizer } from './predicate';
import { foldCase, quote } from './text';

/**
 * A change condition (SPEC §4): compares the event with the state before it. Field changes and
 * interest changes only happen in updates; a field changed when the event reports a previous
 * value for it that differs from the new value (case included). `from` and `to` compare
 * case-insensitively unless the condition is case-sensitive.
 */

const KIND_NAMES =
  'ANY_FIELD_CHANGED, FIELD_CHANGED, IS_CREATE, IS_UPDATE, IS_DELETE, INTEREST_GAINED or INTEREST_LOST';

/** Compiles a change condition; `violations` is scoped to the condition (`...conditions[1].change`). */
export function compileChangeCondition(
  condition: ChangeCondition,
  violations: Violations,
): CompiledRuleCondition | undefined {
  switch (condition.kind) {
    case ChangeKind.ANY_FIELD_CHANGED:
      return { test: (input) => input.anyFieldChanged, description: 'an update changed any field' };
    case ChangeKind.FIELD_CHANGED:
      return compileFieldChanged(condition, violations);
    case ChangeKind.IS_CREATE:
      return isAction(Action.CREATE, 'the event is a create');
    case ChangeKind.IS_UPDATE:
      return isAction(Action.UPDATE, 'the event is an update');
    case ChangeKind.IS_DELETE:
      return isAction(Action.DELETE, 'the event is a delete');
    case ChangeKind.INTEREST_GAINED:
    case ChangeKind.INTEREST_LOST:
      return compileInterestChange(condition, violations);
    default:
      violations.add('UNKNOWN_CHANGE_KIND', `choose a kind of change: ${KIND_NAMES}`, 'kind');
      return undefined;
  }
}

function isAction(action: Action, description: string): CompiledRuleCondition {
  return { test: (input) => input.action === action, description };
}

function compileFieldChanged(condition: ChangeCondition, violations: Violations): CompiledRuleCondition | undefined {
  const { field, from, to, caseSensitive } = condition;
  if (!checkFieldName(field, violations, 'field')) return undefined;
  const normalize = textNormalizer(caseSensitive);
  const read = fieldReader(caseSensitive);
  const wasValue = from === undefined ? undefined : normalize(from);
  const isValue = to === undefined ? undefined : normalize(to);
  const test: Predicate = (input) =>
    input.fieldChanged(field) &&
    (wasValue === undefined || normalize(input.previousField(field)) === wasValue) &&
    (isValue === undefined || read(input, field) === isValue);
  let description = `an update changed field ${quote(field)}`;
  if (from !== undefined) description += ` from ${quote(from)}`;
  if (to !== undefined) description += ` to ${quote(to)}`;
  if (caseSensitive && (from !== undefined || to !== undefined)) description += ' (case-sensitive)';
  return { test, description };
}

function compileInterestChange(condition: ChangeCondition, violations: Violations): CompiledRuleCondition | undefined {
  if (condition.interest === '') {
    violations.add('MISSING_INTEREST', 'name the interest', 'interest');
    return undefined;
  }
  const name = foldCase(condition.interest);
  const group = foldCase(condition.group);
  const inGroup = condition.group === '' ? '' : ` in group ${quote(condition.group)}`;
  const where = `interest ${quote(condition.interest)}${inGroup}`;
  const hasNow = (input: EvaluationInput) => input.interests.has(name, group);
  const hadBefore = (input: EvaluationInput) => input.previousInterests.has(name, group);
  if (condition.kind === ChangeKind.INTEREST_GAINED) {
    return {
      test: (input) => input.action === Action.UPDATE && hasNow(input) && !hadBefore(input),
      description: `an update added ${where}`,
    };
  }
  return {
    test: (input) => input.action === Action.UPDATE && !hasNow(input) && hadBefore(input),
    description: `an update removed ${where}`,
  };
}

import type { Violations } from '@callbacks/domain';
import { type Rule, type RuleCondition, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { compileChangeCondition } from './change-condition';
import { compileDateCondition } from './date-condition';
import type { EvaluationInput } from './evaluation-input';
import type { FailedCondition } from './explanation';
import { compileFieldCondition } from './field-condition';
import { compileInterestCondition } from './interest-condition';
import { CONDITION_LIMITS } from './limits';
import { ALWAYS, type CompiledRuleCondition, type Predicate } from './predicate';

/** A rule of a condition, compiled: its conditions must all hold (AND). */
export interface CompiledRule {
  readonly index: number;
  readonly name: string;
  readonly excluding: boolean;
  readonly disabled: boolean;
  readonly holds: Predicate;
  /** The first condition that does not hold for the event, or `undefined` when the rule holds. */
  firstFailure(input: EvaluationInput): FailedCondition | undefined;
}

/** Compiles a rule; `violations` is scoped to the rule (`rules[2]`). */
export function compileRule(rule: Rule, index: number, violations: Violations): CompiledRule | undefined {
  if (rule.mode !== RuleMode.UNSPECIFIED && rule.mode !== RuleMode.INCLUDE && rule.mode !== RuleMode.EXCLUDE) {
    violations.add('UNKNOWN_RULE_MODE', 'choose a mode: RULE_MODE_INCLUDE or RULE_MODE_EXCLUDE', 'mode');
  }
  const conditions = rule.conditions ?? [];
  if (conditions.length > CONDITION_LIMITS.maxConditionsPerRule) {
    violations.add(
      'TOO_MANY_CONDITIONS',
      `a rule has at most ${CONDITION_LIMITS.maxConditionsPerRule} conditions, this one has ${conditions.length}`,
      'conditions',
    );
    return undefined;
  }
  const compiled: CompiledRuleCondition[] = [];
  let valid = true;
  conditions.forEach((condition, i) => {
    const result = compileRuleCondition(condition, violations.at('conditions').at(i));
    if (result === undefined) valid = false;
    else compiled.push(result);
  });
  if (!valid || !isKnownMode(rule.mode)) return undefined;

  return {
    index,
    name: rule.name,
    excluding: rule.mode === RuleMode.EXCLUDE,
    disabled: rule.disabled,
    holds: all(compiled.map((condition) => condition.test)),
    firstFailure(input) {
      for (const [i, condition] of compiled.entries()) {
        if (!condition.test(input)) return { index: i, description: condition.description };
      }
      return undefined;
    },
  };
}

function isKnownMode(mode: RuleMode): boolean {
  return mode === RuleMode.UNSPECIFIED || mode === RuleMode.INCLUDE || mode === RuleMode.EXCLUDE;
}

function compileRuleCondition(condition: RuleCondition, violations: Violations): CompiledRuleCondition | undefined {
  const kind = condition.kind;
  switch (kind?.$case) {
    case 'field':
      return compileFieldCondition(kind.value, violations.at('field'));
    case 'change':
      return compileChangeCondition(kind.value, violations.at('change'));
    case 'interest':
      return compileInterestCondition(kind.value, violations.at('interest'));
    case 'date':
      return compileDateCondition(kind.value, violations.at('date'));
    default:
      violations.add('MISSING_CONDITION', 'choose a kind of condition: field, change, interest or date');
      return undefined;
  }
}

/** The conjunction of tests, with the short forms spelled out: most rules have one or two conditions. */
function all(tests: readonly Predicate[]): Predicate {
  const [first, second] = tests;
  if (first === undefined) return ALWAYS;
  if (second === undefined) return first;
  if (tests.length === 2) return (input) => first(input) && second(input);
  return (input) => {
    for (const test of tests) if (!test(input)) return false;
    return true;
  };
}

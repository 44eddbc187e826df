import type { CompiledExpression } from './cel/expression';
import type { EvaluationInput } from './evaluation-input';
import type { ConditionExplanation, ExpressionExplanation, RuleExplanation } from './explanation';
import { ALWAYS, type Predicate } from './predicate';
import type { CompiledRule } from './rule';
import { quote } from './text';

/** A condition ready to be evaluated against any number of events. */
export interface CompiledCondition {
  /** Whether the callback fires for the event. Never throws. */
  matches(input: EvaluationInput): boolean;
  /** Why it does or does not fire: per rule, and the expression. Never throws. */
  explain(input: EvaluationInput): ConditionExplanation;
}

/**
 * The fire rule of SPEC §4: (there are no enabled including rules, or one of them holds) and no
 * enabled excluding rule holds, and the expression, if any, is true. Checked in that order, so the
 * expression — the most expensive part — only runs when the rules let it decide.
 */
export class RulesAndExpression implements CompiledCondition {
  readonly matches: (input: EvaluationInput) => boolean;
  private readonly including: readonly CompiledRule[];
  private readonly excluding: readonly CompiledRule[];

  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly expression: CompiledExpression | undefined,
  ) {
    this.including = rules.filter((rule) => !rule.disabled && !rule.excluding);
    this.excluding = rules.filter((rule) => !rule.disabled && rule.excluding);
    this.matches = matcher(this.including, this.excluding, expression);
  }

  explain(input: EvaluationInput): ConditionExplanation {
    const rules = this.rules.map((rule) => explainRule(rule, input));
    const counted = rules.filter((rule) => !rule.disabled);
    const including = counted.filter((rule) => !rule.excluding);
    const heldIncluding = including.find((rule) => rule.held);
    const heldExcluding = counted.find((rule) => rule.excluding && rule.held);

    if (including.length > 0 && heldIncluding === undefined) {
      return { matches: false, rules, summary: 'does not fire: no including rule holds' };
    }
    if (heldExcluding !== undefined) {
      return { matches: false, rules, summary: `does not fire: excluding ${label(heldExcluding)} holds` };
    }
    const because = heldIncluding === undefined ? 'there are no including rules' : `${label(heldIncluding)} holds`;
    const rulesAllow = `${because}${this.excluding.length > 0 ? ' and no excluding rule holds' : ''}`;
    if (this.expression === undefined) return { matches: true, rules, summary: `fires: ${rulesAllow}` };

    const outcome = this.expression.evaluate(input);
    const expression: ExpressionExplanation =
      outcome.error === undefined
        ? { source: this.expression.source, result: outcome.value }
        : { source: this.expression.source, result: outcome.value, error: outcome.error };
    if (outcome.value) {
      return { matches: true, rules, expression, summary: `fires: ${rulesAllow}, and the expression is true` };
    }
    const why =
      outcome.error === undefined
        ? 'the expression is false'
        : `the expression could not be evaluated (${outcome.error})`;
    return { matches: false, rules, expression, summary: `does not fire: ${why}` };
  }
}

function explainRule(rule: CompiledRule, input: EvaluationInput): RuleExplanation {
  const failedCondition = rule.firstFailure(input);
  const common = { index: rule.index, name: rule.name, excluding: rule.excluding, disabled: rule.disabled };
  return failedCondition === undefined ? { ...common, held: true } : { ...common, held: false, failedCondition };
}

function label(rule: RuleExplanation): string {
  return `rules[${rule.index}]${rule.name === '' ? '' : ` ${quote(rule.name)}`}`;
}

/** The fire rule as one closure, with the parts that are absent left out. */
function matcher(
  including: readonly CompiledRule[],
  excluding: readonly CompiledRule[],
  expression: CompiledExpression | undefined,
): Predicate {
  const included = any(including.map((rule) => rule.holds)) ?? ALWAYS;
  const excluded = any(excluding.map((rule) => rule.holds));
  const expressionHolds: Predicate | undefined = expression && ((input) => expression.evaluate(input).value);
  if (expressionHolds === undefined) {
    return excluded === undefined ? included : (input) => included(input) && !excluded(input);
  }
  if (excluded === undefined) return (input) => included(input) && expressionHolds(input);
  return (input) => included(input) && !excluded(input) && expressionHolds(input);
}

/** The disjunction of tests; `undefined` when there are none. */
function any(tests: readonly Predicate[]): Predicate | undefined {
  const [first, second] = tests;
  if (first === undefined) return undefined;
  if (second === undefined) return first;
  return (input) => {
    for (const test of tests) if (test(input)) return true;
    return false;
  };
}

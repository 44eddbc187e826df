import { type Violation, Violations } from '@callbacks/domain';
import { Condition } from '@callbacks/proto/callbacks/v1/condition';
import { type CompiledExpression, compileExpression } from './cel/expression';
import { type CompiledCondition, RulesAndExpression } from './compiled-condition';
import { CONDITION_LIMITS } from './limits';
import { type CompiledRule, compileRule } from './rule';

export type CompileResult =
  | { readonly ok: true; readonly condition: CompiledCondition }
  | { readonly ok: false; readonly violations: readonly Violation[] };

/**
 * Validates a callback's condition and compiles it into a predicate (SPEC §4). Either every
 * problem is reported — each violation's field path is relative to the condition
 * (`rules[0].conditions[1].field.value`, `expression`) — or the condition compiles. An absent or
 * empty condition always matches. Disabled rules are validated too: they may be enabled again.
 */
export function compileCondition(condition: Condition | undefined): CompileResult {
  const violations = Violations.root();
  const rules = condition?.rules ?? [];
  const source = condition?.expression ?? '';

  const compiledRules: CompiledRule[] = [];
  if (rules.length > CONDITION_LIMITS.maxRules) {
    const message = `a condition has at most ${CONDITION_LIMITS.maxRules} rules, this one has ${rules.length}`;
    violations.add('TOO_MANY_RULES', message, 'rules');
  } else {
    rules.forEach((rule, i) => {
      const compiled = compileRule(rule, i, violations.at('rules').at(i));
      if (compiled !== undefined) compiledRules.push(compiled);
    });
  }
  // White space alone is no expression, as an empty text box in a form is none.
  let expression: CompiledExpression | undefined;
  if (source.trim() !== '') expression = compileExpression(source, violations.at('expression'));

  // A bound on the whole, once the parts are within their own limits: their values (an IN list's,
  // a compared text) could still add up to megabytes per callback, held by every matcher.
  const bytes = violations.empty && condition ? Condition.encode(condition).finish().length : 0;
  if (bytes > CONDITION_LIMITS.maxConditionBytes) {
    violations.add(
      'TOO_LONG',
      `a condition takes at most ${CONDITION_LIMITS.maxConditionBytes} bytes encoded, this one ${bytes}`,
    );
  }

  if (!violations.empty) return { ok: false, violations: violations.all };
  // Each part reports a violation whenever it does not compile; a part missing silently is a bug.
  if (compiledRules.length !== rules.length || (source.trim() !== '' && expression === undefined)) {
    throw new Error('a part of the condition did not compile, yet no violation was reported');
  }
  return { ok: true, condition: new RulesAndExpression(compiledRules, expression) };
}

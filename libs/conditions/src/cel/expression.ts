import { type CelInput, type CelResult, isCelError, parse, plan } from '@bufbuild/cel';
import type { Violations } from '@callbacks/domain';
import type { EvaluationInput } from '../evaluation-input';
import { CONDITION_LIMITS } from '../limits';
import { RecentlyUsed } from '../recently-used';
import { utf8Length } from '../text';
import { checkExpression } from './checker';
import { meter } from './cost';
import { compileDirect, type DirectExpression } from './direct';
import { CEL_ENVIRONMENT, SIGNATURES } from './functions';
import type { ParsedExpression } from './syntax';
import { BOOL, isAssignable, typeName } from './types';
import { celVariables, VARIABLE_TYPES } from './variables';

/** A condition's CEL expression, checked and planned once, evaluated against many events. */
export interface CompiledExpression {
  readonly source: string;
  /** Never throws: an error during evaluation (or running out of budget) makes the expression false. */
  evaluate(input: EvaluationInput): ExpressionResult;
}

export interface ExpressionResult {
  readonly value: boolean;
  /** Why the expression could not be evaluated for this event, when it could not. */
  readonly error?: string;
}

const TRUE: ExpressionResult = Object.freeze({ value: true });
const FALSE: ExpressionResult = Object.freeze({ value: false });
const COST_EXCEEDED: ExpressionResult = Object.freeze({
  value: false,
  error: `cost limit of ${CONDITION_LIMITS.celCostLimit} units exceeded`,
});

/** Key of the per-event CEL variables in {@link EvaluationInput.derived}. */
const VARIABLES = { derived: 'cel variables' };

/**
 * Validates an expression — size, syntax, types (it must be a bool), constant regular
 * expressions — reporting problems to `violations` (already scoped to the expression's path),
 * and plans it for evaluation. Returns `undefined` when there were problems.
 */
export function compileExpression(source: string, violations: Violations): CompiledExpression | undefined {
  const known = planned.get(source);
  if (known !== undefined) return known;
  const compiled = compileUncached(source, violations);
  if (compiled !== undefined) planned.set(source, compiled);
  return compiled;
}

/**
 * Plans used most recently, by their source (up to 256 Ki characters of it): callbacks repeat
 * expressions, planning one costs hundreds of microseconds, and a matcher holds one per callback.
 * Sharing one is safe: evaluating it keeps no state of its own (the cost meter is per evaluation).
 */
const planned = new RecentlyUsed<CompiledExpression>(1 << 18);

function compileUncached(source: string, violations: Violations): CompiledExpression | undefined {
  if (utf8Length(source) > CONDITION_LIMITS.maxExpressionBytes) {
    violations.add('EXPRESSION_TOO_LONG', `the expression is longer than ${CONDITION_LIMITS.maxExpressionBytes} bytes`);
    return undefined;
  }
  let parsed: ParsedExpression;
  try {
    parsed = parse(source);
  } catch (error) {
    // The parser reports a syntax error by throwing, and a stack overflow on absurd nesting.
    if (error instanceof RangeError) {
      violations.add('EXPRESSION_TOO_DEEP', 'the expression is nested too deeply: simplify it');
    } else {
      violations.add('INVALID_EXPRESSION', `the expression does not parse: ${describeParseError(error)}`);
    }
    return undefined;
  }
  const { type, problems } = checkExpression(parsed.expr, { variables: VARIABLE_TYPES, functions: SIGNATURES });
  const positions = parsed.sourceInfo?.positions ?? {};
  for (const problem of problems) {
    violations.add(problem.reason, `${problem.message} (${position(source, positions[problem.exprId.toString()])})`);
  }
  if (problems.length > 0) return undefined;
  if (!isAssignable(type, BOOL)) {
    violations.add(
      'EXPRESSION_NOT_BOOL',
      `the expression must be true or false (a bool), but it gives a ${typeName(type)}: ` +
        'compare it with something, e.g. profile.fields.name == "piet"',
    );
    return undefined;
  }
  return new PlannedExpression(source, plan(CEL_ENVIRONMENT, parsed.expr), compileDirect(parsed.expr));
}

class PlannedExpression implements CompiledExpression {
  constructor(
    readonly source: string,
    private readonly program: (variables: Record<string, CelInput>) => CelResult,
    private readonly direct: DirectExpression | undefined,
  ) {}

  evaluate(input: EvaluationInput): ExpressionResult {
    const outcome = this.direct?.(input);
    if (outcome !== undefined) {
      if (outcome.cost > CONDITION_LIMITS.celCostLimit) return COST_EXCEEDED;
      return outcome.value ? TRUE : FALSE;
    }
    let variables: Record<string, CelInput>;
    try {
      variables = input.derived(VARIABLES, celVariables);
    } catch (error) {
      // Only an event that breaks its own types (a field value that is not a string) gets here.
      const detail = error instanceof Error ? error.message : String(error);
      return { value: false, error: `the event cannot be given to the expression: ${detail}` };
    }
    meter.start(CONDITION_LIMITS.celCostLimit);
    // The planned program returns errors as values; it does not throw.
    const result = this.program(variables);
    if (meter.exhausted) return COST_EXCEEDED;
    if (result === true) return TRUE;
    if (result === false) return FALSE;
    if (isCelError(result)) return { value: false, error: result.message };
    // Only an expression typed `dyn` can get here, e.g. `dyn(1)`.
    return { value: false, error: 'the expression did not give a bool' };
  }
}

/** `<input>:1:3: found + but expecting end of input` → `line 1, column 3: found + but ...`. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const located = /^<input>:(\d+):(\d+): (.*)$/s.exec(message);
  if (located === null) return message;
  const [, line, column, detail] = located;
  return `${line === '1' ? `column ${column}` : `line ${line}, column ${column}`}: ${detail}`;
}

/** Where a node is, for a person: `column 12`, or `line 2, column 3` in a multi-line expression. */
function position(source: string, offset: number | undefined): string {
  if (offset === undefined) return 'in the expression';
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return line === 1 ? `at column ${column}` : `at line ${line}, column ${column}`;
}

import type { Violations } from '@callbacks/domain';
import { FieldComparison, type FieldCondition } from '@callbacks/proto/callbacks/v1/condition';
import { CONDITION_LIMITS } from './limits';
import {
  checkFieldName,
  type CompiledRuleCondition,
  type FieldReader,
  fieldReader,
  type Predicate,
  textNormalizer,
} from './predicate';
import { RecentlyUsed } from './recently-used';
import { cachedPattern } from './regexp';
import { isEmailAddress, parseNumber, quote } from './text';

/**
 * A field condition (SPEC §4): a field of the event, after the change, compared with a value or
 * another field. A missing field is the empty string. Text compares case-insensitively (see
 * `foldCase`) unless the condition is case-sensitive; with `numeric`, EQUALS, NOT_EQUALS, LESS,
 * MORE and IN compare numbers, and a value that is not a number never equals, is never less or
 * more, and is never in the list (so NOT_EQUALS holds for it).
 */

type Compare<T> = (field: T, operand: T) => boolean;

const TEXT: ReadonlyMap<FieldComparison, Compare<string>> = new Map<FieldComparison, Compare<string>>([
  [FieldComparison.EQUALS, (a, b) => a === b],
  [FieldComparison.NOT_EQUALS, (a, b) => a !== b],
  [FieldComparison.CONTAINS, (a, b) => a.includes(b)],
  [FieldComparison.NOT_CONTAINS, (a, b) => !a.includes(b)],
  [FieldComparison.LESS, (a, b) => a < b],
  [FieldComparison.MORE, (a, b) => a > b],
  [FieldComparison.STARTS_WITH, (a, b) => a.startsWith(b)],
  [FieldComparison.ENDS_WITH, (a, b) => a.endsWith(b)],
]);

// NaN is not equal to, less than or more than anything: a non-number never matches these.
const NUMERIC: ReadonlyMap<FieldComparison, Compare<number>> = new Map<FieldComparison, Compare<number>>([
  [FieldComparison.EQUALS, (a, b) => a === b],
  [FieldComparison.NOT_EQUALS, (a, b) => !(a === b)],
  [FieldComparison.LESS, (a, b) => a < b],
  [FieldComparison.MORE, (a, b) => a > b],
]);

const PHRASES: ReadonlyMap<FieldComparison, string> = new Map([
  [FieldComparison.EQUALS, 'equals'],
  [FieldComparison.NOT_EQUALS, 'does not equal'],
  [FieldComparison.CONTAINS, 'contains'],
  [FieldComparison.NOT_CONTAINS, 'does not contain'],
  [FieldComparison.LESS, 'is less than'],
  [FieldComparison.MORE, 'is more than'],
  [FieldComparison.IS_EMAIL, 'is an e-mail address'],
  [FieldComparison.REGEXP, 'matches the regular expression'],
  [FieldComparison.IS_NUMERIC, 'is a number'],
  [FieldComparison.STARTS_WITH, 'starts with'],
  [FieldComparison.ENDS_WITH, 'ends with'],
  [FieldComparison.EMPTY, 'is empty'],
  [FieldComparison.NOT_EMPTY, 'is not empty'],
  [FieldComparison.IN, 'is one of'],
]);

const COMPARISON_NAMES =
  'EQUALS, NOT_EQUALS, CONTAINS, NOT_CONTAINS, LESS, MORE, IS_EMAIL, REGEXP, IS_NUMERIC, STARTS_WITH, ENDS_WITH, EMPTY, NOT_EMPTY or IN';

/**
 * Compiled field conditions used most recently, by the condition's JSON (up to 256 Ki characters
 * of it): callbacks repeat conditions (`email` is not empty, `city` equals a value), and a matcher
 * holds one compiled condition per callback. Sharing one is safe: a test is pure, and a condition
 * compiles the same every time (an invalid one is never kept).
 */
const compiled = new RecentlyUsed<CompiledRuleCondition>(1 << 18);

/** Compiles a field condition; `violations` is scoped to the condition (`...conditions[1].field`). */
export function compileFieldCondition(
  condition: FieldCondition,
  violations: Violations,
): CompiledRuleCondition | undefined {
  const key = JSON.stringify(condition);
  const known = compiled.get(key);
  if (known !== undefined) return known;
  const result = compileUncached(condition, violations);
  if (result !== undefined) compiled.set(key, result);
  return result;
}

function compileUncached(condition: FieldCondition, violations: Violations): CompiledRuleCondition | undefined {
  const fieldIsValid = checkFieldName(condition.field, violations, 'field');
  if (!PHRASES.has(condition.comparison)) {
    violations.add('UNKNOWN_COMPARISON', `choose a comparison: ${COMPARISON_NAMES}`, 'comparison');
    return undefined;
  }
  const test = compileTest(condition, violations);
  if (!fieldIsValid || test === undefined) return undefined;
  return { test, description: describe(condition) };
}

function compileTest(condition: FieldCondition, violations: Violations): Predicate | undefined {
  const field = condition.field;
  switch (condition.comparison) {
    case FieldComparison.EMPTY:
      return (input) => input.field(field) === '';
    case FieldComparison.NOT_EMPTY:
      return (input) => input.field(field) !== '';
    case FieldComparison.IS_EMAIL:
      return (input) => isEmailAddress(input.field(field));
    case FieldComparison.IS_NUMERIC:
      return (input) => !Number.isNaN(input.number(field));
    case FieldComparison.IN:
      return compileIn(condition, violations);
    case FieldComparison.REGEXP:
      return compileRegexp(condition, violations);
    default:
      return compileComparison(condition, violations);
  }
}

type Operand = { readonly kind: 'value'; readonly value: string } | { readonly kind: 'field'; readonly name: string };

function readOperand(condition: FieldCondition, violations: Violations): Operand | undefined {
  const operand = condition.operand;
  if (operand === undefined) {
    violations.add('MISSING_OPERAND', 'give a value or another field (other_field) to compare with', 'value');
    return undefined;
  }
  if (operand.$case === 'value') return { kind: 'value', value: operand.value };
  return checkFieldName(operand.value, violations, 'other_field') ? { kind: 'field', name: operand.value } : undefined;
}

function compileComparison(condition: FieldCondition, violations: Violations): Predicate | undefined {
  const operand = readOperand(condition, violations);
  if (operand === undefined) return undefined;
  const field = condition.field;
  const numeric = condition.numeric ? NUMERIC.get(condition.comparison) : undefined;
  if (numeric !== undefined) {
    if (operand.kind === 'field') return compareNumberFields(numeric, field, operand.name);
    const number = parseNumber(operand.value);
    if (Number.isNaN(number)) {
      violations.add('NOT_A_NUMBER', `${quote(operand.value)} is not a number, and the comparison is numeric`, 'value');
      return undefined;
    }
    return compareNumber(numeric, field, number);
  }
  const compare = TEXT.get(condition.comparison);
  // Every comparison that reaches here has a text form; anything else is a bug in this module.
  if (compare === undefined) throw new Error(`no text comparison for ${condition.comparison}`);
  const read = fieldReader(condition.caseSensitive);
  if (operand.kind === 'field') return compareTextFields(compare, read, field, operand.name);
  const value = textNormalizer(condition.caseSensitive)(operand.value);
  // The most common condition of all gets a closure of its own (see the benchmark).
  if (condition.comparison === FieldComparison.EQUALS) {
    return condition.caseSensitive ? equalsText(field, value) : equalsFoldedText(field, value);
  }
  return compareText(compare, read, field, value);
}

// Each test is made by a function of its own, whose closure holds only what the test reads: a
// closure keeps its maker's whole context, and a matcher holds a compiled condition per callback.

const compareNumberFields =
  (numeric: Compare<number>, field: string, other: string): Predicate =>
  (input) =>
    numeric(input.number(field), input.number(other));

const compareNumber =
  (numeric: Compare<number>, field: string, number: number): Predicate =>
  (input) =>
    numeric(input.number(field), number);

const compareTextFields =
  (compare: Compare<string>, read: FieldReader, field: string, other: string): Predicate =>
  (input) =>
    compare(read(input, field), read(input, other));

const compareText =
  (compare: Compare<string>, read: FieldReader, field: string, value: string): Predicate =>
  (input) =>
    compare(read(input, field), value);

const equalsText =
  (field: string, value: string): Predicate =>
  (input) =>
    input.field(field) === value;

const equalsFoldedText =
  (field: string, value: string): Predicate =>
  (input) =>
    input.foldedField(field) === value;

const inNumbers =
  (numbers: ReadonlySet<number>, field: string): Predicate =>
  (input) =>
    numbers.has(input.number(field));

const inTexts =
  (texts: ReadonlySet<string>, read: FieldReader, field: string): Predicate =>
  (input) =>
    texts.has(read(input, field));

function compileIn(condition: FieldCondition, violations: Violations): Predicate | undefined {
  const { field, values } = condition;
  if (values.length === 0) {
    violations.add('MISSING_VALUES', 'IN needs at least one value in values', 'values');
    return undefined;
  }
  if (values.length > CONDITION_LIMITS.maxInValues) {
    violations.add('TOO_MANY_VALUES', `IN takes at most ${CONDITION_LIMITS.maxInValues} values`, 'values');
    return undefined;
  }
  if (condition.numeric) {
    const numbers = new Set<number>();
    let allNumbers = true;
    values.forEach((value, i) => {
      const number = parseNumber(value);
      if (!Number.isNaN(number)) numbers.add(number);
      else {
        allNumbers = false;
        violations
          .at('values')
          .add('NOT_A_NUMBER', `${quote(value)} is not a number, and the comparison is numeric`, i);
      }
    });
    if (!allNumbers) return undefined;
    return inNumbers(numbers, field);
  }
  return inTexts(
    new Set(values.map(textNormalizer(condition.caseSensitive))),
    fieldReader(condition.caseSensitive),
    field,
  );
}

function compileRegexp(condition: FieldCondition, violations: Violations): Predicate | undefined {
  const operand = condition.operand;
  if (operand?.$case !== 'value') {
    violations.add(
      'MISSING_PATTERN',
      'REGEXP needs a regular expression in value (a pattern cannot come from another field)',
      operand === undefined ? 'value' : 'other_field',
    );
    return undefined;
  }
  const compiled = cachedPattern(operand.value, { caseInsensitive: !condition.caseSensitive });
  if (!compiled.ok) {
    violations.add(compiled.reason, compiled.message, 'value');
    return undefined;
  }
  const { regexp } = compiled;
  const field = condition.field;
  return (input) => regexp.test(input.field(field));
}

const WITHOUT_OPERAND = new Set([
  FieldComparison.EMPTY,
  FieldComparison.NOT_EMPTY,
  FieldComparison.IS_EMAIL,
  FieldComparison.IS_NUMERIC,
]);

function describe(condition: FieldCondition): string {
  const { comparison, operand, values } = condition;
  let text = `field ${quote(condition.field)} ${PHRASES.get(comparison)}`;
  if (comparison === FieldComparison.IN) {
    const shown = values.slice(0, 5).map(quote).join(', ');
    text += ` ${shown}${values.length > 5 ? ` and ${values.length - 5} more` : ''}`;
  } else if (!WITHOUT_OPERAND.has(comparison) && operand !== undefined) {
    text += operand.$case === 'value' ? ` ${quote(operand.value)}` : ` field ${quote(operand.value)}`;
  }
  if (WITHOUT_OPERAND.has(comparison)) return text;
  if (condition.numeric && (NUMERIC.has(comparison) || comparison === FieldComparison.IN))
    return `${text} (as numbers)`;
  return condition.caseSensitive ? `${text} (case-sensitive)` : text;
}

import type { Violations } from '@callbacks/domain';
import {
  DateComparison,
  type DateCondition,
  type RelativeTime,
  TimeUnit,
} from '@callbacks/proto/callbacks/v1/condition';
import { addTime, floorTime, formatDateTime, isSameUtcDay, parseDateTime, sameDateInYear, utcYear } from './dates';
import type { EvaluationInput } from './evaluation-input';
import { checkFieldName, type CompiledRuleCondition } from './predicate';
import { quote } from './text';

/**
 * A date condition (SPEC §4): a date field (`YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, UTC) before,
 * after or on the same day as a reference time: absolute, or relative to the event time. A field
 * that is empty or not a date never matches, and neither does a relative reference for an event
 * without a time. With `ignore_year` the field is moved into the reference's year first (29
 * February becoming 28 February outside leap years), so a birthday compares by month, day and time.
 */

type ReferenceTime = (input: EvaluationInput) => number;

interface Compare {
  readonly test: (field: number, reference: number) => boolean;
  readonly phrase: string;
}

const COMPARES: ReadonlyMap<DateComparison, Compare> = new Map<DateComparison, Compare>([
  [DateComparison.BEFORE, { test: (field, reference) => field < reference, phrase: 'is before' }],
  [DateComparison.AFTER, { test: (field, reference) => field > reference, phrase: 'is after' }],
  [DateComparison.SAME_DAY, { test: isSameUtcDay, phrase: 'is on the same day as' }],
]);

const UNITS: ReadonlyMap<TimeUnit, string> = new Map([
  [TimeUnit.MINUTE, 'minute'],
  [TimeUnit.HOUR, 'hour'],
  [TimeUnit.DAY, 'day'],
  [TimeUnit.WEEK, 'week'],
  [TimeUnit.MONTH, 'month'],
  [TimeUnit.YEAR, 'year'],
]);

const UNIT_NAMES = 'MINUTE, HOUR, DAY, WEEK, MONTH or YEAR';

/** Compiles a date condition; `violations` is scoped to the condition (`...conditions[1].date`). */
export function compileDateCondition(
  condition: DateCondition,
  violations: Violations,
): CompiledRuleCondition | undefined {
  const fieldIsValid = checkFieldName(condition.field, violations, 'field');
  const compare = COMPARES.get(condition.comparison);
  if (compare === undefined) {
    violations.add('UNKNOWN_COMPARISON', 'choose a comparison: BEFORE, AFTER or SAME_DAY', 'comparison');
  }
  const reference = compileReference(condition, violations);
  if (!fieldIsValid || compare === undefined || reference === undefined) return undefined;

  const { field, ignoreYear } = condition;
  const test = compare.test;
  return {
    test: ignoreYear
      ? (input) => {
          const at = reference.time(input);
          return test(sameDateInYear(input.date(field), utcYear(at)), at);
        }
      : (input) => test(input.date(field), reference.time(input)),
    description: `field ${quote(field)} ${compare.phrase} ${reference.description}${ignoreYear ? ', ignoring the year' : ''}`,
  };
}

function compileReference(
  condition: DateCondition,
  violations: Violations,
): { readonly time: ReferenceTime; readonly description: string } | undefined {
  const reference = condition.reference;
  if (reference === undefined) {
    violations.add('MISSING_REFERENCE', 'give a reference time: absolute, or relative to the event time');
    return undefined;
  }
  if (reference.$case === 'absolute') {
    const time = parseDateTime(reference.value);
    if (Number.isNaN(time)) {
      const message = `${quote(reference.value)} is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)`;
      violations.add('INVALID_DATE', message, 'absolute');
      return undefined;
    }
    return { time: () => time, description: formatDateTime(time) };
  }
  return compileRelative(reference.value, violations.at('relative'));
}

function compileRelative(
  relative: RelativeTime,
  violations: Violations,
): { readonly time: ReferenceTime; readonly description: string } | undefined {
  const { amount, unit, floorTo } = relative;
  let valid = true;
  if (!Number.isSafeInteger(amount)) {
    violations.add('INVALID_AMOUNT', 'the amount must be a whole number', 'amount');
    valid = false;
  }
  if (unit === TimeUnit.UNSPECIFIED ? amount !== 0 : !UNITS.has(unit)) {
    const reason = unit === TimeUnit.UNSPECIFIED ? 'MISSING_TIME_UNIT' : 'UNKNOWN_TIME_UNIT';
    violations.add(reason, `choose a unit: ${UNIT_NAMES}`, 'unit');
    valid = false;
  }
  if (floorTo !== TimeUnit.UNSPECIFIED && !UNITS.has(floorTo)) {
    violations.add('UNKNOWN_TIME_UNIT', `choose a unit to floor to: ${UNIT_NAMES}, or none`, 'floor_to');
    valid = false;
  }
  if (!valid) return undefined;

  // Every callback with the same relative reference shares its value per event.
  const key = `relative-time:${amount}:${unit}:${floorTo}`;
  const compute = (input: EvaluationInput) => floorTime(addTime(input.occurredAt, amount, unit), floorTo);
  let description = 'the event time';
  if (amount !== 0) {
    const unitName = UNITS.get(unit) ?? 'unit';
    description += ` ${amount < 0 ? 'minus' : 'plus'} ${Math.abs(amount)} ${unitName}${Math.abs(amount) === 1 ? '' : 's'}`;
  }
  if (floorTo !== TimeUnit.UNSPECIFIED) description += `, floored to the ${UNITS.get(floorTo) ?? 'unit'}`;
  return { time: (input) => input.derived(key, compute), description };
}

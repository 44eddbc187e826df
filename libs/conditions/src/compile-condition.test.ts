import { describe, expect, it } from 'vitest';
import { Violations } from '@callbacks/domain';
import type { Condition, RuleCondition } from '@callbacks/proto/callbacks/v1/condition';
import { compileCondition } from './compile-condition';
import { CONDITION_LIMITS } from './limits';
import {
  change,
  ChangeKind,
  compareFields,
  condition,
  dateAbsolute,
  DateComparison,
  dateRelative,
  field,
  FieldComparison as F,
  interest,
  InterestCheck,
  rule,
  RuleMode,
  TimeUnit,
} from './test-fixtures';

const one = (c: RuleCondition): Condition => condition([rule([c])]);
const atFirst = (path: string) => `rules[0].conditions[0].${path}`;

/** The violations of a condition that must not compile, as `field: reason` pairs. */
function problems(value: Condition): string[] {
  const result = compileCondition(value);
  if (result.ok) throw new Error('expected violations, but the condition compiled');
  for (const violation of result.violations) expect(violation.description.length).toBeGreaterThan(10);
  return result.violations.map((v) => `${v.field}: ${v.reason}`);
}

const manyConditions = Array.from({ length: CONDITION_LIMITS.maxConditionsPerRule + 1 }, () => field('name', F.EMPTY));

describe('compileCondition reports what is wrong, where', () => {
  it.each<[string, Condition, string[]]>([
    [
      'unknown comparison',
      one(field('name', F.UNSPECIFIED, 'x')),
      [`${atFirst('field.comparison')}: UNKNOWN_COMPARISON`],
    ],
    [
      'unrecognised comparison',
      one(field('name', F.UNRECOGNIZED, 'x')),
      [`${atFirst('field.comparison')}: UNKNOWN_COMPARISON`],
    ],
    ['missing field name', one(field('', F.EQUALS, 'x')), [`${atFirst('field.field')}: MISSING_FIELD`]],
    [
      'malformed field name',
      one(field('first name', F.EQUALS, 'x')),
      [`${atFirst('field.field')}: INVALID_FIELD_NAME`],
    ],
    [
      'malformed other field',
      one(compareFields('name', F.EQUALS, '1x')),
      [`${atFirst('field.other_field')}: INVALID_FIELD_NAME`],
    ],
    ['missing operand', one(field('name', F.EQUALS)), [`${atFirst('field.value')}: MISSING_OPERAND`]],
    [
      'numeric with a non-number',
      one(field('age', F.LESS, 'ten', { numeric: true })),
      [`${atFirst('field.value')}: NOT_A_NUMBER`],
    ],
    ['IN without values', one(field('city', F.IN)), [`${atFirst('field.values')}: MISSING_VALUES`]],
    [
      'numeric IN with a non-number',
      one(field('n', F.IN, undefined, { values: ['1', 'two'], numeric: true })),
      [`${atFirst('field.values[1]')}: NOT_A_NUMBER`],
    ],
    [
      'IN with too many values',
      one(field('n', F.IN, undefined, { values: Array.from({ length: 1001 }, String) })),
      [`${atFirst('field.values')}: TOO_MANY_VALUES`],
    ],
    // 1,000 values, each within every other limit, of 100 bytes: 100 KB in all.
    [
      'over 64 KiB in all',
      one(field('n', F.IN, undefined, { values: Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(100, 'x')) })),
      [': TOO_LONG'],
    ],
    [
      'regexp that is not RE2 (back-reference)',
      one(field('name', F.REGEXP, '(a)\\1')),
      [`${atFirst('field.value')}: INVALID_REGEXP`],
    ],
    [
      'regexp that is not RE2 (look-ahead)',
      one(field('name', F.REGEXP, 'a(?=b)')),
      [`${atFirst('field.value')}: INVALID_REGEXP`],
    ],
    ['regexp that does not parse', one(field('name', F.REGEXP, '(')), [`${atFirst('field.value')}: INVALID_REGEXP`]],
    [
      'regexp over 1 KiB',
      one(field('name', F.REGEXP, 'a'.repeat(1025))),
      [`${atFirst('field.value')}: PATTERN_TOO_LONG`],
    ],
    [
      'regexp from another field',
      one(compareFields('name', F.REGEXP, 'pattern')),
      [`${atFirst('field.other_field')}: MISSING_PATTERN`],
    ],
    ['unknown change kind', one(change(ChangeKind.UNSPECIFIED)), [`${atFirst('change.kind')}: UNKNOWN_CHANGE_KIND`]],
    [
      'field change without a field',
      one(change(ChangeKind.FIELD_CHANGED)),
      [`${atFirst('change.field')}: MISSING_FIELD`],
    ],
    [
      'interest change without an interest',
      one(change(ChangeKind.INTEREST_LOST)),
      [`${atFirst('change.interest')}: MISSING_INTEREST`],
    ],
    [
      'unknown interest check',
      one(interest(InterestCheck.UNSPECIFIED, 'sport')),
      [`${atFirst('interest.check')}: UNKNOWN_INTEREST_CHECK`],
    ],
    [
      'HAS without an interest',
      one(interest(InterestCheck.HAS, '')),
      [`${atFirst('interest.interest')}: MISSING_INTEREST`],
    ],
    [
      'group check without a group',
      one(interest(InterestCheck.HAS_ANY_IN_GROUP, '')),
      [`${atFirst('interest.group')}: MISSING_GROUP`],
    ],
    [
      'bad absolute date',
      one(dateAbsolute('d', DateComparison.BEFORE, '2023-02-29')),
      [`${atFirst('date.absolute')}: INVALID_DATE`],
    ],
    [
      'absolute date in another format',
      one(dateAbsolute('d', DateComparison.BEFORE, '2023-02-01T00:00:00Z')),
      [`${atFirst('date.absolute')}: INVALID_DATE`],
    ],
    [
      'unknown date comparison',
      one(dateAbsolute('d', DateComparison.UNSPECIFIED, '2023-02-01')),
      [`${atFirst('date.comparison')}: UNKNOWN_COMPARISON`],
    ],
    [
      'relative amount without a unit',
      one(dateRelative('d', DateComparison.BEFORE, 3, TimeUnit.UNSPECIFIED, TimeUnit.DAY)),
      [`${atFirst('date.relative.unit')}: MISSING_TIME_UNIT`],
    ],
    [
      'unrecognised floor unit',
      one(dateRelative('d', DateComparison.BEFORE, 3, TimeUnit.DAY, TimeUnit.UNRECOGNIZED)),
      [`${atFirst('date.relative.floor_to')}: UNKNOWN_TIME_UNIT`],
    ],
    [
      'date without a reference',
      one({
        kind: {
          $case: 'date',
          value: { field: 'd', comparison: DateComparison.AFTER, reference: undefined, ignoreYear: false },
        },
      }),
      [`${atFirst('date')}: MISSING_REFERENCE`],
    ],
    ['condition without a kind', one({ kind: undefined }), ['rules[0].conditions[0]: MISSING_CONDITION']],
    ['unknown rule mode', condition([rule([], { mode: RuleMode.UNRECOGNIZED })]), ['rules[0].mode: UNKNOWN_RULE_MODE']],
    ['too many rules', condition(Array.from({ length: 51 }, () => rule([]))), ['rules: TOO_MANY_RULES']],
    [
      'too many conditions in a rule',
      condition([rule([]), rule(manyConditions)]),
      ['rules[1].conditions: TOO_MANY_CONDITIONS'],
    ],
    [
      'a disabled rule is still validated',
      condition([rule([field('name', F.EQUALS)], { disabled: true })]),
      [`${atFirst('field.value')}: MISSING_OPERAND`],
    ],
    [
      'every problem at once',
      condition(
        [rule([field('name', F.EQUALS)]), rule([field('x', F.EQUALS, 'y'), interest(InterestCheck.HAS, '')])],
        'profile.fields.name',
      ),
      [
        `${atFirst('field.value')}: MISSING_OPERAND`,
        'rules[1].conditions[1].interest.interest: MISSING_INTEREST',
        'expression: EXPRESSION_NOT_BOOL',
      ],
    ],
  ])('%s', (_name, value, expected) => {
    expect(problems(value)).toEqual(expected);
  });

  it('gives paths the config service can put under its own prefix', () => {
    const result = compileCondition(one(field('name', F.EQUALS)));
    if (result.ok) throw new Error('expected violations');
    const violations = Violations.root('callback');
    violations.at('condition').addAll(result.violations);
    expect(violations.all.map((v) => v.field)).toEqual(['callback.condition.rules[0].conditions[0].field.value']);
  });

  it('explains a limit in words', () => {
    const result = compileCondition(condition(Array.from({ length: 51 }, () => rule([]))));
    expect(result.ok ? [] : result.violations.map((v) => v.description)).toEqual([
      'a condition has at most 50 rules, this one has 51',
    ]);
  });

  it('accepts a condition at the limits', () => {
    const rules = Array.from({ length: CONDITION_LIMITS.maxRules }, () => rule(manyConditions.slice(1)));
    expect(compileCondition(condition(rules, `${'true && '.repeat(400)}true`)).ok).toBe(true);
  });

  it('treats a blank expression as none', () => {
    expect(compileCondition(condition([], '  \n ')).ok).toBe(true);
  });
});

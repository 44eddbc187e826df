import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import type { Condition, Rule, RuleCondition } from '@callbacks/proto/callbacks/v1/condition';
import { compileCondition } from './compile-condition';
import { toEvaluationInput } from './evaluation-input';
import {
  Action,
  change,
  ChangeKind,
  compiled,
  DateComparison,
  dateRelative,
  event,
  field,
  FieldComparison as F,
  interest,
  InterestCheck,
  interests,
  matches,
  RuleMode,
  TimeUnit,
} from './test-fixtures';
import { foldCase } from './text';

// Small alphabets, so that equalities, numbers and case differences actually occur.
const FIELD_NAMES = ['name', 'city', 'age'];
const VALUES = [
  '',
  'piet',
  'Piet',
  'PIET',
  'jan',
  'straße',
  'STRASSE',
  '1',
  '1.0',
  '10',
  ' 9 ',
  'abc',
  '2024-06-15',
  '1990-02-29 10:00:00',
];
const NUMBERS = ['1', '1.0', '10', '-3', '2e1'];
const INTERESTS = ['sport', 'Sport', 'music', 'hobby/sport', 'work/music'];
const EXPRESSIONS = [
  '',
  'profile.fields.name == "piet"',
  'event.origin != "REST"',
  'int(profile.fields.age) > 5',
  'profile.interests.exists(i, i == "sport")',
];

const fieldName = fc.constantFrom(...FIELD_NAMES);
const value = fc.oneof(fc.constantFrom(...VALUES), fc.string({ unit: 'binary', maxLength: 8 }));

const textComparison = fc.constantFrom(
  F.EQUALS,
  F.NOT_EQUALS,
  F.CONTAINS,
  F.NOT_CONTAINS,
  F.LESS,
  F.MORE,
  F.STARTS_WITH,
  F.ENDS_WITH,
);
const fieldCondition: fc.Arbitrary<RuleCondition> = fc.oneof(
  fc
    .tuple(fieldName, textComparison, fc.constantFrom(...VALUES), fc.boolean())
    .map(([name, comparison, operand, caseSensitive]) => field(name, comparison, operand, { caseSensitive })),
  fc
    .tuple(fieldName, fc.constantFrom(F.EQUALS, F.NOT_EQUALS, F.LESS, F.MORE), fc.constantFrom(...NUMBERS))
    .map(([name, comparison, operand]) => field(name, comparison, operand, { numeric: true })),
  fc
    .tuple(fieldName, fc.constantFrom(F.EMPTY, F.NOT_EMPTY, F.IS_EMAIL, F.IS_NUMERIC))
    .map(([name, comparison]) => field(name, comparison)),
  fc.tuple(fieldName, fc.constantFrom('^p', 'e+t$', '[0-9]')).map(([name, pattern]) => field(name, F.REGEXP, pattern)),
  fc
    .tuple(fieldName, fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1 }))
    .map(([name, values]) => field(name, F.IN, undefined, { values })),
);
const otherCondition: fc.Arbitrary<RuleCondition> = fc.oneof(
  fc
    .constantFrom(ChangeKind.ANY_FIELD_CHANGED, ChangeKind.IS_CREATE, ChangeKind.IS_UPDATE, ChangeKind.IS_DELETE)
    .map((kind) => change(kind)),
  fieldName.map((name) => change(ChangeKind.FIELD_CHANGED, { field: name })),
  fc
    .constantFrom(ChangeKind.INTEREST_GAINED, ChangeKind.INTEREST_LOST)
    .map((kind) => change(kind, { interest: 'sport' })),
  fc.constantFrom(InterestCheck.HAS, InterestCheck.LACKS).map((check) => interest(check, 'sport')),
  fc
    .constantFrom(InterestCheck.HAS_ANY_IN_GROUP, InterestCheck.HAS_NONE_IN_GROUP)
    .map((check) => interest(check, '', 'hobby')),
  fc
    .constantFrom(DateComparison.BEFORE, DateComparison.AFTER, DateComparison.SAME_DAY)
    .chain((comparison) =>
      fc.boolean().map((ignoreYear) => dateRelative('name', comparison, -1, TimeUnit.DAY, TimeUnit.DAY, ignoreYear)),
    ),
);
const ruleCondition = fc.oneof(fieldCondition, otherCondition);

const ruleArbitrary: fc.Arbitrary<Rule> = fc.record({
  name: fc.constantFrom('', 'vip'),
  mode: fc.constantFrom(RuleMode.UNSPECIFIED, RuleMode.INCLUDE, RuleMode.EXCLUDE),
  disabled: fc.boolean(),
  conditions: fc.array(ruleCondition, { maxLength: 3 }),
});
const conditionArbitrary: fc.Arbitrary<Condition> = fc.record({
  rules: fc.array(ruleArbitrary, { maxLength: 4 }),
  expression: fc.constantFrom(...EXPRESSIONS),
});

const fieldsArbitrary = fc.dictionary(fieldName, value, { maxKeys: 3 });
const eventArbitrary: fc.Arbitrary<ProfileEvent> = fc
  .record({
    action: fc.constantFrom(Action.CREATE, Action.UPDATE, Action.DELETE),
    fields: fieldsArbitrary,
    previousFields: fieldsArbitrary,
    interests: fc.subarray(INTERESTS),
    previousInterests: fc.subarray(INTERESTS),
  })
  .map((parts) =>
    event({
      ...parts,
      interests: interests(...parts.interests),
      previousInterests: interests(...parts.previousInterests),
    }),
  );

const RUNS = { numRuns: 300 };

describe('laws of conditions', () => {
  it('every generated condition compiles', () => {
    fc.assert(
      fc.property(conditionArbitrary, (value) => compileCondition(value).ok),
      RUNS,
    );
  });

  it('an excluding rule can only remove matches', () => {
    fc.assert(
      fc.property(
        conditionArbitrary,
        fc.array(ruleCondition, { maxLength: 3 }),
        eventArbitrary,
        (value, conditions, profileEvent) => {
          const withExclusion: Condition = {
            ...value,
            rules: [...value.rules, { name: '', mode: RuleMode.EXCLUDE, disabled: false, conditions }],
          };
          if (matches(withExclusion, profileEvent)) expect(matches(value, profileEvent)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('disabling a rule is the same as removing it', () => {
    fc.assert(
      fc.property(
        conditionArbitrary.filter((value) => value.rules.length > 0),
        fc.nat(),
        eventArbitrary,
        (value, pick, profileEvent) => {
          const index = pick % value.rules.length;
          const disabled = {
            ...value,
            rules: value.rules.map((rule, i) => (i === index ? { ...rule, disabled: true } : rule)),
          };
          const removed = { ...value, rules: value.rules.filter((_, i) => i !== index) };
          expect(matches(disabled, profileEvent)).toBe(matches(removed, profileEvent));
        },
      ),
      RUNS,
    );
  });

  it('NOT_EQUALS is the negation of EQUALS on present fields', () => {
    const options = fc.oneof(
      fc.record({ operand: fc.constantFrom(...VALUES), numeric: fc.constant(false), caseSensitive: fc.boolean() }),
      fc.record({ operand: fc.constantFrom(...NUMBERS), numeric: fc.constant(true), caseSensitive: fc.boolean() }),
    );
    fc.assert(
      fc.property(value, options, (fieldValue, { operand, numeric, caseSensitive }) => {
        const profileEvent = event({ fields: { name: fieldValue } });
        const equals = matches(
          {
            rules: [
              {
                name: '',
                mode: RuleMode.INCLUDE,
                disabled: false,
                conditions: [field('name', F.EQUALS, operand, { numeric, caseSensitive })],
              },
            ],
            expression: '',
          },
          profileEvent,
        );
        const notEquals = matches(
          {
            rules: [
              {
                name: '',
                mode: RuleMode.INCLUDE,
                disabled: false,
                conditions: [field('name', F.NOT_EQUALS, operand, { numeric, caseSensitive })],
              },
            ],
            expression: '',
          },
          profileEvent,
        );
        expect(notEquals).toBe(!equals);
      }),
      RUNS,
    );
  });

  it('evaluation is deterministic, never throws, and explain agrees with matches', () => {
    fc.assert(
      fc.property(conditionArbitrary, eventArbitrary, (value, profileEvent) => {
        const first = compiled(value);
        const second = compiled(value);
        const input = toEvaluationInput(profileEvent);
        const verdict = first.matches(input);
        expect(first.matches(input)).toBe(verdict);
        expect(second.matches(toEvaluationInput(profileEvent))).toBe(verdict);
        expect(first.explain(input).matches).toBe(verdict);
        expect(first.explain(toEvaluationInput(profileEvent)).matches).toBe(verdict);
      }),
      RUNS,
    );
  });

  it('case folding is stable: folding twice is folding once', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(foldCase(foldCase(text))).toBe(foldCase(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('case-insensitive EQUALS ignores case changes of the whole value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 12 }), (text) => {
        const condition = {
          rules: [{ name: '', mode: RuleMode.INCLUDE, disabled: false, conditions: [field('name', F.EQUALS, text)] }],
          expression: '',
        };
        expect(matches(condition, event({ fields: { name: text.toUpperCase() } }))).toBe(true);
        expect(matches(condition, event({ fields: { name: text.toLowerCase() } }))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

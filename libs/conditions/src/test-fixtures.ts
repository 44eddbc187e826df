/**
 * Builders for tests: events and conditions in a few words. Not part of the public API.
 */
import { Action, type Interest, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type ChangeCondition,
  ChangeKind,
  type Condition,
  DateComparison,
  FieldComparison,
  type FieldCondition,
  InterestCheck,
  type Rule,
  type RuleCondition,
  RuleMode,
  TimeUnit,
} from '@callbacks/proto/callbacks/v1/condition';
import { compileCondition } from './compile-condition';
import type { CompiledCondition } from './compiled-condition';
import { toEvaluationInput } from './evaluation-input';

/** An update of profile p1 through the web UI at 2024-06-15 12:00:00 UTC (a Saturday), unless overridden. */
export function event(overrides: Partial<ProfileEvent> = {}): ProfileEvent {
  return {
    eventId: 'e1',
    accountId: 'a1',
    databaseId: 'd1',
    collectionId: '',
    profileId: 'p1',
    subprofileId: '',
    action: Action.UPDATE,
    origin: Origin.PUBLISHER,
    occurredAt: new Date('2024-06-15T12:00:00Z'),
    fields: {},
    previousFields: {},
    interests: [],
    previousInterests: [],
    createdAt: new Date('2020-01-01T00:00:00Z'),
    modifiedAt: new Date('2024-06-15T12:00:00Z'),
    ...overrides,
  };
}

export function interests(...names: string[]): Interest[] {
  return names.map((entry) => {
    const [group, name] = entry.includes('/') ? entry.split('/') : ['', entry];
    return { group: group ?? '', name: name ?? '' };
  });
}

export function field(
  name: string,
  comparison: FieldComparison,
  value?: string,
  options: Partial<Omit<FieldCondition, 'field' | 'comparison'>> = {},
): RuleCondition {
  return {
    kind: {
      $case: 'field',
      value: {
        field: name,
        comparison,
        operand: value === undefined ? undefined : { $case: 'value', value },
        values: [],
        numeric: false,
        caseSensitive: false,
        ...options,
      },
    },
  };
}

export function compareFields(
  name: string,
  comparison: FieldComparison,
  other: string,
  options: Partial<FieldCondition> = {},
): RuleCondition {
  return field(name, comparison, undefined, { operand: { $case: 'otherField', value: other }, ...options });
}

export function change(kind: ChangeKind, options: Partial<Omit<ChangeCondition, 'kind'>> = {}): RuleCondition {
  return {
    kind: { $case: 'change', value: { kind, field: '', interest: '', group: '', caseSensitive: false, ...options } },
  };
}

export function interest(check: InterestCheck, name: string, group = ''): RuleCondition {
  return { kind: { $case: 'interest', value: { check, interest: name, group } } };
}

export function dateAbsolute(
  name: string,
  comparison: DateComparison,
  absolute: string,
  ignoreYear = false,
): RuleCondition {
  return {
    kind: {
      $case: 'date',
      value: { field: name, comparison, reference: { $case: 'absolute', value: absolute }, ignoreYear },
    },
  };
}

export function dateRelative(
  name: string,
  comparison: DateComparison,
  amount: number,
  unit: TimeUnit,
  floorTo: TimeUnit,
  ignoreYear = false,
): RuleCondition {
  return {
    kind: {
      $case: 'date',
      value: {
        field: name,
        comparison,
        reference: { $case: 'relative', value: { amount, unit, floorTo } },
        ignoreYear,
      },
    },
  };
}

export function rule(conditions: RuleCondition[], options: Partial<Omit<Rule, 'conditions'>> = {}): Rule {
  return { name: '', mode: RuleMode.INCLUDE, disabled: false, conditions, ...options };
}

export function excluding(conditions: RuleCondition[], options: Partial<Omit<Rule, 'conditions'>> = {}): Rule {
  return rule(conditions, { mode: RuleMode.EXCLUDE, ...options });
}

export function condition(rules: Rule[], expression = ''): Condition {
  return { rules, expression };
}

/** Compiles a condition that must be valid. */
export function compiled(value: Condition | undefined): CompiledCondition {
  const result = compileCondition(value);
  if (!result.ok) throw new Error(`expected a valid condition: ${JSON.stringify(result.violations)}`);
  return result.condition;
}

export function matches(value: Condition | undefined, profileEvent: ProfileEvent): boolean {
  return compiled(value).matches(toEvaluationInput(profileEvent));
}

export { Action, ChangeKind, DateComparison, FieldComparison, InterestCheck, Origin, RuleMode, TimeUnit };

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCondition, toEvaluationInput } from '@callbacks/conditions';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { type Condition, FieldComparison, type Rule, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { fieldCondition, sampleCallback, sampleEvent } from '@callbacks/testing';
import { explain } from './explain';
import { matchable } from './matchable-callback';
import type { Verdict } from './matching-rule';
import { matchEvent, verdict } from './verdict';

// Small alphabets, so that callbacks and events often agree on scope, action, origin and fields.
const accountId = fc.constantFrom('acct-a', 'acct-b');
const databaseId = fc.constantFrom('db-1', 'db-2');
const collectionId = fc.constantFrom('', 'col-1');
const action = fc.constantFrom(Action.UNSPECIFIED, Action.CREATE, Action.UPDATE, Action.DELETE);
const origin = fc.constantFrom(Origin.UNSPECIFIED, Origin.PUBLISHER, Origin.REST, Origin.IMPORT);
const state = fc.constantFrom(
  CallbackState.UNSPECIFIED,
  CallbackState.ACTIVE,
  CallbackState.DISABLED,
  CallbackState.DISABLED_GONE,
  CallbackState.DISABLED_FAILING,
);
const city = fc.constantFrom('Amsterdam', 'Rotterdam');

const rule: fc.Arbitrary<Rule> = fc.record({
  name: fc.constantFrom('', 'r'),
  mode: fc.constantFrom(RuleMode.INCLUDE, RuleMode.EXCLUDE),
  disabled: fc.boolean(),
  conditions: fc.array(
    fc
      .tuple(
        fc.constantFrom('name', 'city'),
        fc.constantFrom(FieldComparison.EQUALS, FieldComparison.NOT_EQUALS, FieldComparison.EMPTY),
        fc.constantFrom('piet', 'Amsterdam'),
      )
      .map(([field, comparison, value]) => fieldCondition(field, comparison, value)),
    { maxLength: 2 },
  ),
});
const condition: fc.Arbitrary<Condition> = fc.record({
  rules: fc.array(rule, { maxLength: 3 }),
  expression: fc.constantFrom('', 'profile.fields.city == "Amsterdam"', 'event.origin != "REST"'),
});

const callback = fc
  .record({
    accountId,
    databaseId,
    collectionId,
    actions: fc.uniqueArray(action, { maxLength: 3 }),
    triggers: fc.uniqueArray(origin, { maxLength: 3 }),
    state,
    stateReason: fc.constantFrom('', 'failing for 5 days'),
    condition: fc.option(condition, { nil: undefined }),
  })
  .map((overrides) => sampleCallback(overrides));

const event = fc
  .record({
    accountId,
    databaseId,
    collectionId,
    action,
    origin,
    name: fc.constantFrom('piet', 'klaas'),
    city: fc.option(city, { nil: undefined }),
  })
  .map(({ name, city, ...scope }) =>
    sampleEvent({
      ...scope,
      subprofileId: scope.collectionId === '' ? '' : 's-1',
      fields: city === undefined ? { name } : { name, city },
    }),
  );

describe('the matching rule', () => {
  it("gives the matcher's verdict and TestCallback's explanation alike, for any callback and event", () => {
    const seen = new Set<Verdict>();
    fc.assert(
      fc.property(callback, event, (callback, event) => {
        const compiled = compileCondition(callback.condition);
        if (!compiled.ok) throw new Error(JSON.stringify(compiled.violations));
        const candidate = matchable(callback, compiled.condition);
        const input = toEvaluationInput(event);

        const fast = verdict(candidate, event, input);
        const explained = explain(candidate, event, input);
        seen.add(fast);
        expect(explained.verdict).toBe(fast);
        expect(explained.matched).toBe(fast === 'send');
        expect(explained.reason.startsWith('matches: ')).toBe(explained.matched);
        expect(matchEvent(event, input, [candidate])).toEqual(
          fast === 'none' ? [] : [{ callback, skipped: fast === 'skip' }],
        );
      }),
      { numRuns: 2_000 },
    );
    // The generators reach every verdict, so the agreement is not a vacuous one.
    expect([...seen].sort()).toEqual(['none', 'send', 'skip']);
  });
});

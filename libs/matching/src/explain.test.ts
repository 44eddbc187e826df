import { describe, expect, it } from 'vitest';
import { compileCondition, toEvaluationInput } from '@callbacks/conditions';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { type Condition, FieldComparison, RuleMode } from '@callbacks/proto/callbacks/v1/condition';
import { fieldCondition, sampleCallback, sampleEvent } from '@callbacks/testing';
import { explain as explainMatch } from './explain';
import { matchable } from './matchable-callback';

function explain(callback: Callback, event = sampleEvent()) {
  const compiled = compileCondition(callback.condition);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.violations));
  return explainMatch(
    matchable(callback, callback.condition ? compiled.condition : undefined),
    event,
    toEvaluationInput(event),
  );
}

const pietRule: Condition = {
  rules: [
    {
      name: 'piet',
      mode: RuleMode.INCLUDE,
      disabled: false,
      conditions: [fieldCondition('name', FieldComparison.EQUALS, 'piet')],
    },
  ],
  expression: '',
};

describe('explain', () => {
  it('matches when every check allows it, and says so', () => {
    const result = explain(sampleCallback({ state: CallbackState.ACTIVE, condition: pietRule }));
    expect(result.matched).toBe(true);
    expect(result.reason).toMatch(/^matches: .*the condition fires: rules\[0\] "piet" holds/);
    expect(result.rules).toEqual([
      { index: 0, name: 'piet', excluding: false, disabled: false, held: true, failedCondition: -1, failure: '' },
    ]);
    expect(result.expressionResult).toBe(true);
  });

  it('says "there is no condition" for a callback without one', () => {
    const result = explain(sampleCallback({ state: CallbackState.ACTIVE }));
    expect(result).toMatchObject({ matched: true, rules: [], expressionResult: true });
    expect(result.reason).toContain('there is no condition');
  });

  it('names the rule and the condition that failed', () => {
    const result = explain(
      sampleCallback({ state: CallbackState.ACTIVE, condition: pietRule }),
      sampleEvent({ fields: { name: 'klaas' } }),
    );
    expect(result.matched).toBe(false);
    expect(result.reason).toContain('no including rule holds');
    expect(result.rules[0]).toMatchObject({ held: false, failedCondition: 0 });
    expect(result.rules[0]!.failure).toMatch(/name/);
  });

  it.each([
    ['account', { accountId: 'acct-b' }, /account "acct-b", the callback of account "acct-a"/],
    ['database', { databaseId: 'db-2' }, /database "db-2", the callback listens to database "db-1"/],
    [
      'subprofile of a database callback',
      { collectionId: 'col-1', subprofileId: 's-1' },
      /subprofile in collection "col-1"; the callback listens to the database's profiles/,
    ],
    ['action', { action: Action.DELETE }, /action ACTION_DELETE is not one of ACTION_UPDATE/],
    ['origin', { origin: Origin.REST }, /origin ORIGIN_REST is not one of the triggers ORIGIN_PUBLISHER/],
  ])('explains a different %s', (_name, overrides, reason) => {
    const result = explain(sampleCallback({ state: CallbackState.ACTIVE }), sampleEvent(overrides));
    expect(result.matched).toBe(false);
    expect(result.reason).toMatch(reason);
  });

  it('explains a profile event for a collection callback', () => {
    const result = explain(sampleCallback({ state: CallbackState.ACTIVE, collectionId: 'col-1' }));
    expect(result.reason).toMatch(
      /the event is of a profile; the callback listens to the subprofiles of collection "col-1"/,
    );
  });

  it('explains a disabled callback with its reason', () => {
    const result = explain(
      sampleCallback({ state: CallbackState.DISABLED_FAILING, stateReason: 'failing for 5 days' }),
    );
    expect(result).toMatchObject({ matched: false, verdict: 'skip' });
    expect(result.reason).toMatch(
      /CALLBACK_STATE_DISABLED_FAILING \(failing for 5 days\): the event would be recorded as a skipped delivery/,
    );
  });

  it('lists every failed check at once', () => {
    const result = explain(
      sampleCallback({ state: CallbackState.DISABLED, condition: pietRule }),
      sampleEvent({ action: Action.CREATE, fields: {} }),
    );
    expect(result.reason.split('; ')).toHaveLength(3);
    expect(result.verdict).toBe('none');
  });

  it('evaluates the expression even when the rules already decided', () => {
    const condition: Condition = { ...pietRule, expression: 'profile.fields.city == "Amsterdam"' };
    const result = explain(
      sampleCallback({ state: CallbackState.ACTIVE, condition }),
      sampleEvent({ fields: { name: 'klaas', city: 'Amsterdam' } }),
    );
    expect(result.matched).toBe(false);
    expect(result.expressionResult).toBe(true);
  });

  it('reports a false expression', () => {
    const condition: Condition = { rules: [], expression: 'profile.fields.city == "Rotterdam"' };
    const result = explain(sampleCallback({ state: CallbackState.ACTIVE, condition }));
    expect(result).toMatchObject({ matched: false, expressionResult: false });
    expect(result.reason).toContain('the expression is false');
  });
});

import { describe, expect, it } from 'vitest';
import { Violations } from './violations';

describe('Violations', () => {
  it('builds dotted and indexed paths', () => {
    const v = Violations.root('callback');
    v.at('condition').at('rules').at(2).add('BAD', 'bad rule');
    v.add('MISSING', 'url is required', 'url');
    expect(v.all.map((x) => x.field)).toEqual(['callback.condition.rules[2]', 'callback.url']);
  });

  it('nests violations reported relative to a child', () => {
    const v = Violations.root('callback');
    v.at('condition').addAll([
      { field: 'rules[0].conditions[1].field.value', reason: 'X', description: 'x' },
      { field: 'expression', reason: 'Y', description: 'y' },
    ]);
    expect(v.all.map((x) => x.field)).toEqual([
      'callback.condition.rules[0].conditions[1].field.value',
      'callback.condition.expression',
    ]);
  });

  it('starts without a prefix', () => {
    const v = Violations.root();
    v.add('X', 'x', 'page_size');
    expect(v.all[0]!.field).toBe('page_size');
    expect(v.empty).toBe(false);
  });
});

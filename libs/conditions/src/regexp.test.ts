import { describe, expect, it } from 'vitest';
import { compilePattern } from './regexp';
import { condition, event, field, FieldComparison as F, matches, rule } from './test-fixtures';

// A backtracking engine needs on the order of 2^n steps for `(a+)+$` against n a's and a b.
const CATASTROPHIC_INPUT = `${'a'.repeat(100_000)}b`;

describe('regular expressions use RE2', () => {
  it('answers promptly on a catastrophic-backtracking pattern (REGEXP condition)', { timeout: 10_000 }, () => {
    const value = condition([rule([field('name', F.REGEXP, '(a+)+$')])]);
    expect(matches(value, event({ fields: { name: CATASTROPHIC_INPUT } }))).toBe(false);
    expect(matches(value, event({ fields: { name: CATASTROPHIC_INPUT.slice(1, -1) } }))).toBe(true);
  });

  it('answers promptly on a catastrophic-backtracking pattern (CEL matches)', { timeout: 10_000 }, () => {
    const value = condition([], 'profile.fields.name.matches("^(a|aa)+$")');
    expect(matches(value, event({ fields: { name: CATASTROPHIC_INPUT } }))).toBe(false);
  });

  it.each([
    ['(a)\\1', 'back-reference'],
    ['(?=a)', 'look-ahead'],
    ['(?<!a)b', 'look-behind'],
    ['a{1001}', 'repeat count over RE2’s limit'],
    ['[z-a]', 'reversed range'],
  ])('rejects %s (%s)', (pattern) => {
    const compiled = compilePattern(pattern, { caseInsensitive: true });
    expect(compiled.ok ? undefined : compiled.reason).toBe('INVALID_REGEXP');
  });

  it('folds case the RE2 way when case-insensitive', () => {
    const compiled = compilePattern('^straße$', { caseInsensitive: true });
    if (!compiled.ok) throw new Error(compiled.message);
    expect(compiled.regexp.test('STRAßE')).toBe(true);
    // RE2 folds one character at a time: ß is not ss (the field comparisons differ here).
    expect(compiled.regexp.test('STRASSE')).toBe(false);
  });

  it('keeps a pattern with and without case sensitivity apart (patterns are compiled once and shared)', () => {
    const sensitive = condition([rule([field('name', F.REGEXP, '^piet$', { caseSensitive: true })])]);
    const insensitive = condition([rule([field('name', F.REGEXP, '^piet$')])]);
    const shouting = event({ fields: { name: 'PIET' } });
    expect([matches(sensitive, shouting), matches(insensitive, shouting), matches(sensitive, shouting)]).toEqual([
      false,
      true,
      false,
    ]);
  });

  it('counts the 1 KiB limit in UTF-8 bytes', () => {
    expect(compilePattern('é'.repeat(512), { caseInsensitive: false }).ok).toBe(true);
    expect(compilePattern('é'.repeat(513), { caseInsensitive: false }).ok).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { foldCase, isEmailAddress, parseNumber, utf8Length } from './text';

describe('foldCase', () => {
  it.each([
    ['Piet', 'piet'],
    ['STRASSE', 'strasse'],
    ['Straße', 'strasse'],
    ['STRAẞE', 'strasse'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['e\u0301', '\u00e9'],
    ['\u212a', 'k'],
    ['ﬁ', 'fi'],
  ])('%s → %s', (text, folded) => {
    expect(foldCase(text)).toBe(folded);
  });
});

describe('parseNumber', () => {
  it.each([
    ['42', 42],
    ['-3.5', -3.5],
    ['+.5', 0.5],
    ['1.', 1],
    ['2e3', 2000],
    [' 7 ', 7],
  ])('%j is %d', (text, number) => {
    expect(parseNumber(text)).toBe(number);
  });

  it.each(['', ' ', 'abc', '1,5', '0x10', 'Infinity', '1e999', '1 2', '--1', '.', 'e5'])(
    '%j is not a number',
    (text) => {
      expect(parseNumber(text)).toBeNaN();
    },
  );

  it('rejects a long run of digits with a bad ending in linear time', () => {
    expect(parseNumber(`${'1'.repeat(200_000)}x`)).toBeNaN();
  });
});

describe('isEmailAddress', () => {
  it.each(['piet@example.com', 'piet.jansen+news@mail.example.nl', "o'brien@example.ie", 'piet@exämple.nl', 'a@b.co'])(
    '%s is an address',
    (text) => {
      expect(isEmailAddress(text)).toBe(true);
    },
  );

  it.each([
    '',
    'piet',
    'piet@',
    '@example.com',
    'piet@example',
    'piet@@example.com',
    '.piet@example.com',
    'pi..et@example.com',
    'piet@-example.com',
    'piet@example.123',
    ' piet@example.com',
    `${'a'.repeat(65)}@example.com`,
  ])('%j is not an address', (text) => {
    expect(isEmailAddress(text)).toBe(false);
  });
});

describe('utf8Length', () => {
  it.each([
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['\ud800x', 4],
  ])('%j is %d bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });
});

import { describe, expect, it } from 'vitest';
import { TimeUnit } from '@callbacks/proto/callbacks/v1/condition';
import { addTime, floorTime, formatDateTime, parseDateTime, sameDateInYear } from './dates';

const t = (iso: string) => Date.parse(`${iso}Z`);

describe('parseDateTime', () => {
  it.each([
    ['2024-06-15', '2024-06-15T00:00:00'],
    ['2024-06-15 13:45:30', '2024-06-15T13:45:30'],
    ['2024-02-29', '2024-02-29T00:00:00'],
    ['0099-01-01', '0099-01-01T00:00:00'],
  ])('%s', (text, iso) => {
    expect(parseDateTime(text)).toBe(t(iso));
  });

  it.each([
    '',
    '2023-02-29',
    '2024-13-01',
    '2024-04-31',
    '2024-06-15 24:00:00',
    '2024-06-15T13:45:30',
    '2024-6-15',
    '0000-00-00 00:00:00',
    ' 2024-06-15',
  ])('%j is not a date', (text) => {
    expect(parseDateTime(text)).toBeNaN();
  });
});

describe('addTime and floorTime', () => {
  it.each<[string, number, TimeUnit, TimeUnit, string]>([
    ['2024-06-15T12:34:56', -3, TimeUnit.DAY, TimeUnit.DAY, '2024-06-12T00:00:00'],
    ['2024-06-15T12:34:56', 2, TimeUnit.HOUR, TimeUnit.HOUR, '2024-06-15T14:00:00'],
    ['2024-06-15T12:34:56', 0, TimeUnit.UNSPECIFIED, TimeUnit.MINUTE, '2024-06-15T12:34:00'],
    ['2024-06-15T12:34:56', 0, TimeUnit.UNSPECIFIED, TimeUnit.WEEK, '2024-06-10T00:00:00'],
    ['2024-06-16T23:00:00', 0, TimeUnit.UNSPECIFIED, TimeUnit.WEEK, '2024-06-10T00:00:00'],
    ['2024-06-17T00:00:00', 0, TimeUnit.UNSPECIFIED, TimeUnit.WEEK, '2024-06-17T00:00:00'],
    ['2024-06-15T12:34:56', -1, TimeUnit.WEEK, TimeUnit.UNSPECIFIED, '2024-06-08T12:34:56'],
    ['2024-03-31T08:00:00', -1, TimeUnit.MONTH, TimeUnit.UNSPECIFIED, '2024-02-29T08:00:00'],
    ['2024-01-31T08:00:00', 13, TimeUnit.MONTH, TimeUnit.MONTH, '2025-02-01T00:00:00'],
    ['2024-02-29T08:00:00', 1, TimeUnit.YEAR, TimeUnit.UNSPECIFIED, '2025-02-28T08:00:00'],
    ['2024-06-15T12:34:56', -1, TimeUnit.YEAR, TimeUnit.YEAR, '2023-01-01T00:00:00'],
    ['2024-06-15T12:34:56', 90, TimeUnit.MINUTE, TimeUnit.UNSPECIFIED, '2024-06-15T14:04:56'],
  ])('%s %+d of unit %i floored to %i is %s', (from, amount, unit, floorTo, expected) => {
    expect(floorTime(addTime(t(from), amount, unit), floorTo)).toBe(t(expected));
  });
});

describe('sameDateInYear', () => {
  it.each([
    ['1992-02-29T10:00:00', 2023, '2023-02-28T10:00:00'],
    ['1992-02-29T10:00:00', 2024, '2024-02-29T10:00:00'],
    ['1990-12-31T23:59:59', 2024, '2024-12-31T23:59:59'],
  ])('%s in %i is %s', (from, year, expected) => {
    expect(sameDateInYear(t(from), year)).toBe(t(expected));
  });
});

it('formats like the payloads do', () => {
  expect(formatDateTime(t('2024-06-15T12:34:56'))).toBe('2024-06-15 12:34:56');
  expect(formatDateTime(Number.NaN)).toBe('an invalid date');
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHttpDate, parseHttpDate } from './http-date';

describe('IMF-fixdate', () => {
  it('formats the RFC 9110 example', () => {
    expect(formatHttpDate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('formats every millisecond of a second as that second, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -62167219200000, max: 253402300799999 }), { minLength: 1, maxLength: 20 }),
        (moments) => {
          for (const ms of moments) expect(formatHttpDate(ms)).toBe(new Date(ms).toUTCString());
        },
      ),
    );
    const second = Date.UTC(2025, 5, 3, 10, 15, 29);
    expect([formatHttpDate(second), formatHttpDate(second + 999), formatHttpDate(second + 1000)]).toEqual([
      'Tue, 03 Jun 2025 10:15:29 GMT',
      'Tue, 03 Jun 2025 10:15:29 GMT',
      'Tue, 03 Jun 2025 10:15:30 GMT',
    ]);
  });

  it('parses what it formats, to the second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799 }), (seconds) => {
        expect(parseHttpDate(formatHttpDate(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });

  it.each([
    ['obsolete RFC 850 form', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime form', 'Sun Nov  6 08:49:37 1994'],
    ['ISO 8601', '1994-11-06T08:49:37Z'],
    ['another zone', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['a day that does not exist', 'Mon, 31 Feb 2025 10:00:00 GMT'],
    ['a wrong weekday', 'Mon, 06 Nov 1994 08:49:37 GMT'],
    ['hour 24', 'Mon, 06 Nov 1994 24:00:00 GMT'],
    ['a one-digit day', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['surrounding text', 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT'],
  ])('rejects %s', (_name, value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });
});

import { TimeUnit } from '@callbacks/proto/callbacks/v1/condition';

/**
 * Calendar arithmetic for date conditions, in UTC and in milliseconds since the epoch. An
 * impossible result (a date that does not exist, a year out of range) is `NaN`, which compares
 * false with everything: a date condition on it never matches.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

/** Reads `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` (UTC); anything else, or a date that does not exist, is `NaN`. */
export function parseDateTime(text: string): number {
  const match = DATE_TIME.exec(text);
  if (match === null) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  return utc(year, month - 1, day) + hour * HOUR_MS + minute * MINUTE_MS + second * 1000;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month; `month` counts from 0 like `Date`. */
function daysInMonth(year: number, month: number): number {
  if (month === 1) return isLeapYear(year) ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** Midnight UTC of a day; unlike `Date.UTC`, years 0–99 are not taken as 1900–1999. */
function utc(year: number, month: number, day: number): number {
  if (year >= 100) return Date.UTC(year, month, day);
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date.getTime();
}

function floorDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** `time + amount × unit`; months and years keep the day of the month where it exists (31 Jan + 1 month = 28/29 Feb). */
export function addTime(time: number, amount: number, unit: TimeUnit): number {
  switch (unit) {
    case TimeUnit.MINUTE:
      return time + amount * MINUTE_MS;
    case TimeUnit.HOUR:
      return time + amount * HOUR_MS;
    case TimeUnit.DAY:
      return time + amount * DAY_MS;
    case TimeUnit.WEEK:
      return time + amount * WEEK_MS;
    case TimeUnit.MONTH:
      return addMonths(time, amount);
    case TimeUnit.YEAR:
      return addMonths(time, amount * 12);
    default:
      // Only an amount of 0 may come without a unit (the compiler checks that).
      return time;
  }
}

function addMonths(time: number, months: number): number {
  const date = new Date(time);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  return utc(year, month, day) + (time - floorDay(time));
}

/** The start of the minute, hour, day, week (Monday), month or year that `time` falls in. */
export function floorTime(time: number, unit: TimeUnit): number {
  switch (unit) {
    case TimeUnit.MINUTE:
      return Math.floor(time / MINUTE_MS) * MINUTE_MS;
    case TimeUnit.HOUR:
      return Math.floor(time / HOUR_MS) * HOUR_MS;
    case TimeUnit.DAY:
      return floorDay(time);
    case TimeUnit.WEEK: {
      const day = floorDay(time);
      const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
      return day - sinceMonday * DAY_MS;
    }
    case TimeUnit.MONTH: {
      const date = new Date(time);
      return utc(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
    case TimeUnit.YEAR:
      return utc(new Date(time).getUTCFullYear(), 0, 1);
    default:
      return time;
  }
}

/**
 * The same month, day and time of day in another year, for anniversaries: 29 February becomes
 * 28 February in a year that is not a leap year.
 */
export function sameDateInYear(time: number, year: number): number {
  const date = new Date(time);
  const month = date.getUTCMonth();
  let day = date.getUTCDate();
  if (month === 1 && day === 29 && !isLeapYear(year)) day = 28;
  return utc(year, month, day) + (time - floorDay(time));
}

export function utcYear(time: number): number {
  return new Date(time).getUTCFullYear();
}

export function isSameUtcDay(a: number, b: number): boolean {
  return floorDay(a) === floorDay(b);
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), the format of the product's payloads. */
export function formatDateTime(time: number): string {
  if (Number.isNaN(time)) return 'an invalid date';
  return new Date(time).toISOString().slice(0, 19).replace('T', ' ');
}

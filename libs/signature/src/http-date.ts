/**
 * The `Date` header in IMF-fixdate form (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
 * The signer only ever sends this form and it is signed, so the verifier accepts only this form:
 * the obsolete RFC 850 and asctime forms would be a second spelling of the same signed value.
 */

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

// A signer stamps many requests per second: format each second once.
let lastSecond = Number.NaN;
let lastFormatted = '';

/** Formats epoch milliseconds as IMF-fixdate (whole seconds; `toUTCString` is exactly that form). */
export function formatHttpDate(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== lastSecond) {
    lastFormatted = new Date(second * 1000).toUTCString();
    lastSecond = second;
  }
  return lastFormatted;
}

/** Parses an IMF-fixdate to epoch milliseconds, or `undefined` if it is not a real one. */
export function parseHttpDate(value: string): number | undefined {
  const match = IMF_FIXDATE.exec(value);
  if (!match) return undefined;
  // Indexed access: destructuring a match array goes through the slow iterator protocol.
  const day = Number(match[2]);
  const monthIndex = MONTHS.indexOf(match[3] ?? '');
  const hour = Number(match[5]);
  const minute = Number(match[6]);
  const second = Number(match[7]);
  const ms = Date.UTC(Number(match[4]), monthIndex, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC rolls 31 Feb over into March and 24:00 into the next day; a real date round-trips.
  const real =
    date.getUTCDate() === day &&
    date.getUTCMonth() === monthIndex &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second &&
    WEEKDAYS[date.getUTCDay()] === match[1];
  return real ? ms : undefined;
}

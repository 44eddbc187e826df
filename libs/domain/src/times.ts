/**
 * The range of a google.protobuf.Timestamp, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. A
 * time outside it is no valid Timestamp, and one far outside becomes an invalid Date that throws
 * when it is encoded again (a matcher handing the event on), so it is refused where it enters.
 */
const MIN_TIME_MS = -62_135_596_800_000;
const MAX_TIME_MS = 253_402_300_799_999;

export const TIME_RANGE_DESCRIPTION = 'must be a time from 0001-01-01 to 9999-12-31 (UTC)';

export function isTimestamp(time: Date): boolean {
  const ms = time.getTime();
  return ms >= MIN_TIME_MS && ms <= MAX_TIME_MS; // false for an invalid Date (NaN)
}

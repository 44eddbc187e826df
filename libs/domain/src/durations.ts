import type { Duration } from '@callbacks/proto/google/protobuf/duration';

/** A google.protobuf.Duration in whole milliseconds (rounded); 0 for none. */
export function msFromDuration(duration: Duration | undefined): number {
  return duration ? duration.seconds * 1000 + Math.round(duration.nanos / 1_000_000) : 0;
}

/** Whole milliseconds as a google.protobuf.Duration (negative ones as zero). */
export function durationFromMs(ms: number): Duration {
  const whole = Math.max(0, Math.round(ms));
  return { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1_000_000 };
}

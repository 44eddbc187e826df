import type { Duration } from '@callbacks/proto/google/protobuf/duration';

export function durationFromMs(ms: number): Duration {
  const whole = Math.max(0, Math.round(ms));
  return { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1_000_000 };
}

export function msFromDuration(duration: Duration | undefined): number {
  return duration ? duration.seconds * 1000 + Math.round(duration.nanos / 1_000_000) : 0;
}

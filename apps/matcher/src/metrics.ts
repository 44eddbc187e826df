import { countFrom, gaugeFrom, type Telemetry } from '@callbacks/telemetry';
import type { BucketFollower } from './callbacks/bucket-follower';
import type { CallbackIndex } from './callbacks/callback-index';
import type { HandlerStats } from './events/event-handler';
import type { OrderedLines } from './ordering/ordered-lines';

/** The matcher's metrics, read at scrape time from what it counts anyway: nothing is added per event. */
export function registerMatcherMetrics(
  telemetry: Telemetry,
  stats: HandlerStats,
  index: CallbackIndex,
  follower: BucketFollower,
  lines: OrderedLines,
): void {
  const registry = telemetry.metrics;
  countFrom(
    registry,
    'callbacks_matcher_events_consumed_total',
    'Profile events taken from the events stream.',
    [],
    () => stats.consumed,
  );
  countFrom(
    registry,
    'callbacks_matcher_events_matched_total',
    'Events that matched at least one callback.',
    [],
    () => stats.matched,
  );
  countFrom(
    registry,
    'callbacks_matcher_events_dead_lettered_total',
    'Events that could not be decoded or validated, sent to the dead-letter stream.',
    [],
    () => stats.deadLettered,
  );
  countFrom(
    registry,
    'callbacks_matcher_event_failures_total',
    'Events whose delivery jobs could not be published (they come again).',
    [],
    () => stats.failed,
  );
  countFrom(
    registry,
    'callbacks_matcher_jobs_total',
    'Delivery jobs emitted, one per matched callback.',
    [],
    () => stats.jobs,
  );
  gaugeFrom(
    registry,
    'callbacks_matcher_ordered_jobs_waiting',
    "Ordered callbacks' jobs waiting for earlier events to be matched before they join their line.",
    [],
    () => lines.waiting,
  );
  gaugeFrom(registry, 'callbacks_matcher_callbacks', "Callbacks in this matcher's index.", [], () => index.size);
  gaugeFrom(
    registry,
    'callbacks_matcher_bucket_revision',
    'The CALLBACKS bucket revision (stream sequence) of the last change this matcher applied.',
    [],
    () => follower.revision,
  );
}

import { ProfileEventPublisher, type StoredAck, STREAMS, SUBJECTS } from '@callbacks/messaging';
import { defineCommand, positionals } from '../../command';
import { CliError, UsageError } from '../../errors';
import { EXIT } from '../../exit-codes';
import {
  completeEvent,
  EVENT_HELP,
  EVENT_OPTIONS,
  eventFromFlags,
  eventsFromFile,
  hasEventFlags,
  validateEvents,
} from '../../input/event-flags';
import { count } from '../../output/count';
import { table } from '../../output/table';

export const publishEvents = defineCommand({
  name: 'publish',
  summary: 'publish profile events on NATS (from flags, or a JSON file of one or many)',
  usage: [
    'callbacks events publish --account <id> --database <id> --profile <id> --action <a> --origin <o> [--field name=value ...] [options]',
    'callbacks events publish --file <events.json>',
  ],
  help: `Validates every event first (nothing is published if one is invalid: exit 4), then publishes
them in order, as the CRM's services do: protobuf on callbacks.events.v1.<account>.<database>.
<profile|subprofile>.<action> with Nats-Msg-Id set to the event id, so a repeat is dropped.
Prints each event's stream sequence; progress on stderr.

Options:
  --file <file>               a ProfileEvent in proto3 JSON, or a JSON array of them (- is stdin);
                              a missing eventId or occurredAt becomes a fresh id or now
${EVENT_HELP}

Examples:
  callbacks events publish --account 42 --database 7 --profile 1001 --action update --origin publisher \\
    --field name=piet --field city=Amsterdam --previous city=Utrecht --interest sport
  callbacks events publish --account 42 --database 7 --collection 3 --subprofile 55 --profile 1001 \\
    --action create --origin rest --field order=A-17
  callbacks events publish --file events.json --nats nats://127.0.0.1:4222`,
  options: { file: { type: 'string' }, ...EVENT_OPTIONS },
  async run(ctx, args) {
    positionals(args, []);
    const { values } = args;
    const now = ctx.io.now();
    if (values.file !== undefined && hasEventFlags(values))
      throw new UsageError('give --file or event flags, not both');
    const given =
      values.file === undefined ? [eventFromFlags(values, now)] : await eventsFromFile(ctx.io, 'file', values.file);
    const events = given.map((event) => completeEvent(event, now));
    validateEvents(events);

    const publisher = new ProfileEventPublisher(await ctx.nats());
    const progress = ctx.progress();
    const acks: { eventId: string; ack: StoredAck }[] = [];
    for (const event of events) {
      try {
        acks.push({ eventId: event.eventId, ack: await publisher.publish(event) });
      } catch (error) {
        throw new CliError(
          EXIT.unavailable,
          `event ${event.eventId} not published (${acks.length} of ${events.length} were): ${whyNot(error)}`,
        );
      }
      progress.update(`published ${acks.length} of ${events.length} events...`);
    }
    const duplicates = acks.filter(({ ack }) => ack.duplicate).length;
    progress.done(
      `published ${count(acks.length, 'event')}${duplicates ? ` (${duplicates} already in the stream, dropped as duplicates)` : ''}`,
    );

    const published = acks.map(({ eventId, ack }) => ({
      eventId,
      stream: ack.stream,
      sequence: ack.seq,
      duplicate: ack.duplicate,
    }));
    ctx.show({ published }, () =>
      table(
        ['EVENT', 'STREAM', 'SEQUENCE', 'DUPLICATE'],
        published.map((p) => [p.eventId, p.stream, String(p.sequence), p.duplicate ? 'yes' : 'no']),
      ),
    );
  },
});

/**
 * nats.js reports a publish nobody answers (no stream takes the subject) as "jetstream is not
 * enabled", which sends people looking in the wrong place.
 */
function whyNot(error: unknown): string {
  const message = (error as Error).message;
  if (!/jetstream is not enabled|no responders/i.test(message)) return message;
  return `no JetStream stream takes ${SUBJECTS.allEvents} on this NATS (the matcher creates ${STREAMS.events.name} when it starts; or check --nats)`;
}

import { TestCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { defineCommand } from '../../command';
import { CliError, UsageError } from '../../errors';
import { EXIT } from '../../exit-codes';
import { CALLBACK_INPUT_OPTIONS, callbackFromInput, hasCallbackInput } from '../../input/callback-flags';
import { completeEvent, eventsFromFile } from '../../input/event-flags';
import { testResultView } from '../../output/views';

export const testCallback = defineCommand({
  name: 'test',
  summary: 'match a sample event against a saved or unsaved callback; show why, and the request',
  usage: [
    'callbacks callbacks test <id> --event-file <event.json> [--send]',
    'callbacks callbacks test --from-file <callback.json> [create options] --event-file <event.json> [--send]',
  ],
  help: `Asks the config service whether the callback matches the event and why (scope, state, action,
trigger, each rule, the expression), and shows the exact headers and body a dispatcher would
send, signed with the current key. Nothing is recorded. A callback that does not match is not
an error: the command exits 0 and says "matched no" (--json: "matched" is absent or false).

Options:
  --event-file <file>         a ProfileEvent in proto3 JSON (- is stdin); eventId and occurredAt
                              default to a fresh id and now
  --send                      also send the request once, if it matches, and show the outcome
  --from-file <file>          test an unsaved callback (proto3 JSON); the options of
                              'callbacks create' apply on top of it, and may replace the file

Examples:
  callbacks callbacks test cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --event-file event.json
  callbacks callbacks test cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --event-file event.json --send
  callbacks callbacks test --account 42 --database 7 --url https://example.com/hook \\
    --expression 'profile.fields.city == "Amsterdam"' --event-file event.json`,
  options: {
    'event-file': { type: 'string' },
    send: { type: 'boolean' },
    ...CALLBACK_INPUT_OPTIONS,
  },
  async run(ctx, args) {
    const { values, positionals } = args;
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
    const [id] = positionals;
    if (id !== undefined && hasCallbackInput(values))
      throw new UsageError('give a callback id, or describe one with --from-file and flags, not both');
    if (id === undefined && !hasCallbackInput(values))
      throw new UsageError('missing <id> (or --from-file and flags for an unsaved callback)');
    const eventFile = values['event-file'];
    if (eventFile === undefined) throw new UsageError('--event-file is required');

    const events = await eventsFromFile(ctx.io, 'event-file', eventFile);
    const [sample] = events;
    if (events.length !== 1 || !sample)
      throw new CliError(EXIT.invalid, `--event-file ${eventFile}: holds ${events.length} events; a test takes one`);
    const event = completeEvent(sample, ctx.io.now());
    const target =
      id === undefined
        ? { $case: 'callback' as const, value: await callbackFromInput(values, ctx.io) }
        : { $case: 'callbackId' as const, value: id };

    const result = await ctx.api().testCallback({ target, event, send: values.send === true });
    ctx.show(TestCallbackResponse.toJSON(result), () => testResultView(result));
  },
});

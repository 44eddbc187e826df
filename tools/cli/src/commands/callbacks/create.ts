import { Callback } from '@callbacks/proto/callbacks/v1/callback';
import { RevealedSecret } from '@callbacks/proto/callbacks/v1/callback_service';
import { answered } from '../../api/callback-api';
import { defineCommand, positionals } from '../../command';
import { CALLBACK_FIELD_HELP, CALLBACK_INPUT_OPTIONS, callbackFromInput } from '../../input/callback-flags';
import { callbackView, secretView } from '../../output/views';

export const createCallback = defineCommand({
  name: 'create',
  summary: 'create a callback from flags and/or a proto3 JSON file',
  usage: [
    'callbacks callbacks create --account <id> --database <id> [--collection <id>] --url <url> [options]',
    'callbacks callbacks create --from-file <callback.json> [options]',
  ],
  help: `Creates a callback and prints it (with its id and revision). Flags override what the file says.
With a --signature-scheme other than copernica it also prints the callback's new secret (for
ed25519 schemes its public key) under "revealedSecret": shown this once (see reveal-secret).

Options:
  --from-file <file>          a Callback in proto3 JSON (what 'callbacks get --json' prints; - is stdin)
  --account <id>              the account
  --database <id>             the database (profile events)
  --collection <id>           a collection of the database (subprofile events)
${CALLBACK_FIELD_HELP}

Examples:
  callbacks callbacks create --account 42 --database 7 --url https://example.com/hook \\
    --action update --trigger publisher --expression 'profile.fields.city == "Amsterdam"' --label team=crm
  callbacks callbacks create --from-file callback.json --url https://example.com/v2 --json`,
  options: CALLBACK_INPUT_OPTIONS,
  async run(ctx, args) {
    positionals(args, []);
    const callback = await callbackFromInput(args.values, ctx.io);
    const response = await ctx.api().createCallback({ callback });
    const created = answered(response.callback, 'the callback');
    showWithSecret(ctx, created, response.secret);
  },
});

/** The callback, and the secret a create or update made, printed this once (`revealedSecret` in JSON). */
export function showWithSecret(
  ctx: { show(json: unknown, human: () => string): void },
  callback: Callback,
  secret: RevealedSecret | undefined,
): void {
  const json = Callback.toJSON(callback) as Record<string, unknown>;
  if (!secret) return ctx.show(json, () => callbackView(callback));
  ctx.show({ ...json, revealedSecret: RevealedSecret.toJSON(secret) }, () =>
    [
      callbackView(callback),
      '',
      'New secret (shown this once; reveal-secret shows it again):',
      secretView(secret),
    ].join('\n'),
  );
}

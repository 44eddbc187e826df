import { durationFromMs } from '@callbacks/domain';
import { RotateCallbackSecretResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { answered } from '../../api/callback-api';
import { defineCommand, positionals } from '../../command';
import { durationFlag, expectedRevision, REVISION_HELP, REVISION_OPTIONS } from '../../input/flag-values';
import { secretView } from '../../output/views';

export const rotateSecret = defineCommand({
  name: 'rotate-secret',
  summary: "replace a callback's secret; the previous one keeps signing for the overlap",
  usage: ['callbacks callbacks rotate-secret <id> [--overlap <duration>] [--expected-revision <n>]'],
  help: `Makes a new secret (Standard Webhooks, RFC 9421) and prints it this once. Until the overlap
ends deliveries carry a signature with each secret, so receivers can switch without refusing any.

Options:
  --overlap <duration>        how long the previous secret keeps signing: 24h (default), at most
                              30d; 0s stops it at once
${REVISION_HELP}

Examples:
  callbacks callbacks rotate-secret cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D
  callbacks callbacks rotate-secret cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --overlap 2h --json`,
  options: { overlap: { type: 'string' }, ...REVISION_OPTIONS },
  async run(ctx, args) {
    const [id = ''] = positionals(args, ['<id>']);
    const overlap = args.values.overlap;
    const response = await ctx.api().rotateCallbackSecret({
      id,
      overlap: overlap === undefined ? undefined : durationFromMs(durationFlag('overlap', overlap)),
      expectedRevision: expectedRevision(args.values),
    });
    const secret = answered(response.secret, 'the new secret');
    const previous = answered(response.callback, 'the callback').secrets[1];
    ctx.show(RotateCallbackSecretResponse.toJSON(response), () =>
      [
        'New secret (shown this once; reveal-secret shows it again):',
        secretView(secret),
        previous?.expireTime
          ? `The previous secret ${previous.keyId} signs too until ${previous.expireTime.toISOString()}.`
          : 'The previous secret no longer signs.',
      ].join('\n'),
    );
  },
});

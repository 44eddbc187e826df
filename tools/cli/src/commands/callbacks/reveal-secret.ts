import { RevealCallbackSecretResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import { defineCommand, positionals } from '../../command';
import { secretView } from '../../output/views';

export const revealSecret = defineCommand({
  name: 'reveal-secret',
  summary: "print a callback's current secret(s); the reveal is audited",
  usage: ['callbacks callbacks reveal-secret <id>'],
  help: `Prints the secrets a callback signs with now, the current one first (for ed25519 schemes the
public key: the private key never leaves the platform). The config service logs every reveal with
the caller, never the secret.

Examples:
  callbacks callbacks reveal-secret cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D
  callbacks callbacks reveal-secret cb_01JZ8X6Q5V3N4M2K1H0G9F8E7D --json | jq -r '.secrets[0].secret'`,
  options: {},
  async run(ctx, args) {
    const [id = ''] = positionals(args, ['<id>']);
    const response = await ctx.api().revealCallbackSecret({ id });
    ctx.show(RevealCallbackSecretResponse.toJSON(response), () => response.secrets.map(secretView).join('\n\n'));
  },
});

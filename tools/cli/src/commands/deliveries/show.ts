import { Delivery } from '@callbacks/proto/callbacks/v1/delivery';
import { answered } from '../../api/callback-api';
import { defineCommand, positionals } from '../../command';
import { deliveryView } from '../../output/views';

export const showDelivery = defineCommand({
  name: 'show',
  summary: 'show one delivery and every attempt',
  usage: ['callbacks deliveries show <delivery-id>'],
  help: `Prints a delivery and a table of its attempts: when, how long, the status code or error
class, and the start of the response.

Examples:
  callbacks deliveries show dl_5e08f566e2782675793911c6ef539bce`,
  options: {},
  async run(ctx, args) {
    const [id = ''] = positionals(args, ['<delivery-id>']);
    const delivery = answered((await ctx.api().getDelivery({ id })).delivery, 'the delivery');
    ctx.show(Delivery.toJSON(delivery), () => deliveryView(delivery));
  },
});

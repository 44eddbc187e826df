import type { CommandGroup } from '../../command';
import { listDeliveries } from './list';
import { replayDeliveries } from './replay';
import { showDelivery } from './show';

export const deliveriesGroup: CommandGroup = {
  name: 'deliveries',
  summary: 'Inspect the delivery log and replay deliveries (config service, gRPC).',
  commands: [listDeliveries, showDelivery, replayDeliveries],
};

import type { Delivery } from '@callbacks/proto/callbacks/v1/delivery';
import type { Principal } from '../auth/tokens';
import { scopeOf } from '../callbacks/scope';
import { deliveryNotFound, requireDeliveryId } from './delivery-request';
import type { DeliveryLog } from './ports';

export class GetDelivery {
  constructor(private readonly deps: { log: DeliveryLog }) {}

  /** One delivery with every attempt, oldest first. Another account's delivery is simply not found. */
  async execute(principal: Principal, id: string): Promise<Delivery> {
    const stored = await this.deps.log.get(requireDeliveryId(id), scopeOf(principal));
    if (!stored) throw deliveryNotFound(id);
    return { ...stored.delivery, attempts: await this.deps.log.attempts(stored.delivery) };
  }
}

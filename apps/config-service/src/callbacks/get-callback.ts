import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { Principal } from '../auth/tokens';
import { apiView } from './callback-secrets';
import type { CallbackRepository } from './ports';
import { callbackNotFound, requireCallbackId, scopeOf } from './scope';

export class GetCallback {
  constructor(private readonly deps: { repository: CallbackRepository }) {}

  /** Another account's callback is simply not found. */
  async execute(principal: Principal, id: string): Promise<Callback> {
    const callback = await this.deps.repository.findById(requireCallbackId(id), scopeOf(principal));
    if (!callback) throw callbackNotFound(id);
    return apiView(callback);
  }
}

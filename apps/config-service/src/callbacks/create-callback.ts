import { InvalidArgumentError, Violations } from '@callbacks/domain';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { Principal } from '../auth/tokens';
import { newCallbackId } from './ids';
import type { CallbackPublisher, CallbackRepository, Clock } from './ports';
import { assertMayAccess } from './scope';
import { type CallbackLimits, validateCallback } from './validate-callback';

export interface CallbackDeps {
  repository: CallbackRepository;
  publisher: CallbackPublisher;
  limits: CallbackLimits;
  clock: Clock;
}

export class CreateCallback {
  constructor(private readonly deps: CallbackDeps) {}

  async execute(principal: Principal, input: Callback | undefined): Promise<Callback> {
    if (!input) throw new InvalidArgumentError([{ field: 'callback', reason: 'REQUIRED', description: 'is required' }]);
    const v = Violations.root('callback');
    // Output-only fields given by the caller are ignored (AIP-203), not rejected.
    const normalized = validateCallback(input, this.deps.limits, v);
    if (!v.empty) throw new InvalidArgumentError(v.all);
    assertMayAccess(principal, normalized.accountId);

    const now = this.deps.clock();
    const callback: Callback = {
      ...normalized,
      id: newCallbackId(now),
      revision: 1,
      createTime: now,
      updateTime: now,
      stateChangeTime: now,
      stateReason: '',
    };
    await this.deps.repository.insert(callback);
    await this.deps.publisher.upserted(callback);
    return callback;
  }
}

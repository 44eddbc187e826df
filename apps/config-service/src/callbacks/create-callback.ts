import { InvalidArgumentError, Violations } from '@callbacks/domain';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type { CreateCallbackResponse } from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import { apiView, type CallbackSecrets } from './callback-secrets';
import { newCallbackId } from './ids';
import type { CallbackPublisher, CallbackRepository, Clock } from './ports';
import { assertMayAccess } from './scope';
import { type CallbackLimits, validateCallback } from './validate-callback';

export interface CallbackDeps {
  repository: CallbackRepository;
  publisher: CallbackPublisher;
  limits: CallbackLimits;
  clock: Clock;
  secrets: CallbackSecrets;
}

export class CreateCallback {
  constructor(private readonly deps: CallbackDeps) {}

  async execute(principal: Principal, input: Callback | undefined): Promise<CreateCallbackResponse> {
    if (!input) throw new InvalidArgumentError([{ field: 'callback', reason: 'REQUIRED', description: 'is required' }]);
    const v = Violations.root('callback');
    // Output-only fields given by the caller are ignored (AIP-203), not rejected.
    const normalized = validateCallback(input, this.deps.limits, v);
    if (!v.empty) throw new InvalidArgumentError(v.all);
    assertMayAccess(principal, normalized.accountId);

    const now = this.deps.clock();
    const id = newCallbackId(now);
    // Checked before anything is written: a scheme this service cannot give a secret fails here.
    const issued = this.deps.secrets.issue(id, normalized.signatureScheme, now);
    const callback: Callback = {
      ...normalized,
      id,
      secrets: [],
      sealedSecrets: issued ? [issued.sealed] : [],
      secretRotateTime: undefined,
      revision: 1,
      createTime: now,
      updateTime: now,
      stateChangeTime: now,
      stateReason: '',
    };
    await this.deps.repository.insert(callback);
    await this.deps.publisher.upserted(callback);
    return { callback: apiView(callback), secret: issued?.revealed };
  }
}

import type { Logger } from '@callbacks/logger';
import type {
  RevealCallbackSecretRequest,
  RevealCallbackSecretResponse,
} from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import { FailedPreconditionError } from '../errors';
import { type CallbackSecrets, liveSecrets } from './callback-secrets';
import type { CallbackRepository, Clock } from './ports';
import { callbackNotFound, requireCallbackId, scopeOf } from './scope';

/** The callback's secrets in clear, on explicit request; every reveal is in the audit log, never the secret. */
export class RevealCallbackSecret {
  constructor(
    private readonly deps: { repository: CallbackRepository; secrets: CallbackSecrets; clock: Clock; log: Logger },
  ) {}

  async execute(principal: Principal, request: RevealCallbackSecretRequest): Promise<RevealCallbackSecretResponse> {
    const id = requireCallbackId(request.id, 'id');
    const callback = await this.deps.repository.findById(id, scopeOf(principal));
    if (!callback) throw callbackNotFound(id);
    const live = liveSecrets(callback.sealedSecrets, this.deps.clock());
    if (live.length === 0)
      throw new FailedPreconditionError(
        "the callback signs with the platform's RSA keys (the original product's scheme): it has no secret to reveal",
      );
    const secrets = this.deps.secrets.reveal({ ...callback, sealedSecrets: live });
    this.deps.log.info(
      {
        audit: true,
        account: callback.accountId,
        callback: callback.id,
        caller: principal.name,
        keys: live.map((s) => s.keyId),
      },
      'secret revealed',
    );
    return { signatureScheme: callback.signatureScheme, secrets };
  }
}

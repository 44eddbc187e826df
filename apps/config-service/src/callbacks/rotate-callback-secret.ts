import { InvalidArgumentError, msFromDuration, RevisionConflictError } from '@callbacks/domain';
import type { Callback } from '@callbacks/proto/callbacks/v1/callback';
import type {
  RotateCallbackSecretRequest,
  RotateCallbackSecretResponse,
} from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import { FailedPreconditionError } from '../errors';
import { apiView, type CallbackSecrets, liveSecrets } from './callback-secrets';
import type { CallbackDeps } from './create-callback';
import { callbackNotFound, requireCallbackId, scopeOf } from './scope';

export const DEFAULT_OVERLAP_MS = 24 * 3_600_000;
export const MAX_OVERLAP_MS = 30 * 24 * 3_600_000;

/**
 * A new secret for the callback, returned once; the previous one keeps signing beside it until
 * the overlap ends (SPEC §8a). A secret still in an earlier overlap is dropped: two sign at most.
 */
export class RotateCallbackSecret {
  constructor(private readonly deps: CallbackDeps & { secrets: CallbackSecrets }) {}

  async execute(principal: Principal, request: RotateCallbackSecretRequest): Promise<RotateCallbackSecretResponse> {
    const id = requireCallbackId(request.id, 'id');
    const overlapMs = request.overlap ? msFromDuration(request.overlap) : DEFAULT_OVERLAP_MS;
    if (!(overlapMs >= 0 && overlapMs <= MAX_OVERLAP_MS)) {
      throw new InvalidArgumentError([
        {
          field: 'overlap',
          reason: 'OUT_OF_RANGE',
          description: `must be between 0s and ${MAX_OVERLAP_MS / 1000}s (30 days)`,
        },
      ]);
    }
    const current = await this.deps.repository.findById(id, scopeOf(principal));
    if (!current) throw callbackNotFound(id);
    if (request.expectedRevision !== 0 && request.expectedRevision !== current.revision)
      throw new RevisionConflictError('callback', id, request.expectedRevision, current.revision);

    const now = this.deps.clock();
    const issued = this.deps.secrets.issue(id, current.signatureScheme, now);
    if (!issued)
      throw new FailedPreconditionError(
        "the callback signs with the platform's RSA keys (the original product's scheme): it has no secret to rotate",
      );
    const [previous] = liveSecrets(current.sealedSecrets, now);
    const overlapUntil = new Date(now.getTime() + overlapMs);
    const kept =
      previous && overlapMs > 0 ? [{ ...previous, expireTime: earliest(previous.expireTime, overlapUntil) }] : [];
    const updated: Callback = {
      ...current,
      sealedSecrets: [issued.sealed, ...kept],
      secretRotateTime: now,
      revision: current.revision + 1,
      updateTime: now,
    };
    if (!(await this.deps.repository.replace(updated, current.revision)))
      throw new RevisionConflictError('callback', id, current.revision, current.revision + 1);
    await this.deps.publisher.upserted(updated);
    return { callback: apiView(updated), secret: { ...issued.revealed } };
  }
}

function earliest(a: Date | undefined, b: Date): Date {
  return a && a.getTime() < b.getTime() ? a : b;
}

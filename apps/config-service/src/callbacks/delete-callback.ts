import { RevisionConflictError } from '@callbacks/domain';
import type { Principal } from '../auth/tokens';
import type { CallbackDeps } from './create-callback';
import { callbackNotFound, requireCallbackId, scopeOf } from './scope';

export class DeleteCallback {
  constructor(private readonly deps: Pick<CallbackDeps, 'repository' | 'publisher'>) {}

  async execute(principal: Principal, id: string, expectedRevision: number): Promise<void> {
    const current = await this.deps.repository.findById(requireCallbackId(id), scopeOf(principal));
    if (!current) throw callbackNotFound(id);
    if (expectedRevision !== 0 && expectedRevision !== current.revision) {
      throw new RevisionConflictError('callback', id, expectedRevision, current.revision);
    }
    if (!(await this.deps.repository.delete(id, current.revision))) {
      const latest = await this.deps.repository.findById(id, scopeOf(principal));
      if (!latest) throw callbackNotFound(id);
      throw new RevisionConflictError('callback', id, current.revision, latest.revision);
    }
    await this.deps.publisher.deleted(current);
  }
}

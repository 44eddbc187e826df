import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@callbacks/domain';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import { sampleCallback } from '@callbacks/testing';
import type { Principal } from '../auth/tokens';
import { CallbackSecrets } from './callback-secrets';
import type { CallbackPublisher, CallbackRepository } from './ports';
import { UpdateCallback } from './update-callback';

/** One stored callback, as a repository holds it. */
class OneCallback implements Pick<CallbackRepository, 'findById' | 'replace'> {
  constructor(public stored: Callback) {}
  async findById(id: string): Promise<Callback | undefined> {
    return id === this.stored.id ? structuredClone(this.stored) : undefined;
  }
  async replace(callback: Callback, expectedRevision: number): Promise<boolean> {
    if (this.stored.revision !== expectedRevision) return false;
    this.stored = callback;
    return true;
  }
}

const admin: Principal = { name: 'admin', accounts: '*' };
const publisher: CallbackPublisher = { upserted: async () => undefined, deleted: async () => undefined };
// Saved when plain http was allowed; today's limits refuse it.
const saved = sampleCallback({
  id: 'cb_1',
  revision: 3,
  url: 'http://hooks.example.com/old',
  state: CallbackState.ACTIVE,
});

function updater(repository: OneCallback) {
  const limits = { allowHttpUrls: false, maxConcurrency: 100, maxRequestsPerSecond: 1_000, maxTimeoutMs: 60_000 };
  return new UpdateCallback({
    repository: repository as unknown as CallbackRepository,
    publisher,
    limits,
    clock: () => new Date(),
    secrets: new CallbackSecrets(undefined),
  });
}

describe('UpdateCallback on a callback saved under looser limits', () => {
  it('still disables it, and changes what is named, without a word about the fields left alone', async () => {
    const repository = new OneCallback(structuredClone(saved));
    const updated = await updater(repository).execute(admin, {
      callback: { ...saved, state: CallbackState.DISABLED, description: 'paused' },
      updateMask: ['state', 'description'],
      expectedRevision: 3,
    });
    expect(updated.callback).toMatchObject({
      state: CallbackState.DISABLED,
      description: 'paused',
      url: 'http://hooks.example.com/old',
      revision: 4,
    });
  });

  it('refuses an update that names the field today\u2019s limits refuse', async () => {
    const repository = new OneCallback(structuredClone(saved));
    const refused = updater(repository).execute(admin, {
      callback: { ...saved, url: 'http://hooks.example.com/new' },
      updateMask: ['url'],
      expectedRevision: 3,
    });
    await expect(refused).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(refused).rejects.toMatchObject({
      violations: [{ field: 'callback.url', reason: 'INVALID_URL_SCHEME' }],
    });
    expect(repository.stored.revision).toBe(3);
  });
});

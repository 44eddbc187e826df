import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Action, Origin } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { CallbackState, Format } from '@callbacks/proto/callbacks/v1/callback';
import { auth, call, callFails, type Harness, sampleCallback, startHarness, TOKENS } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ mongoUrl: inject('mongoUrl'), natsUrl: inject('natsUrl') });
});
afterAll(async () => {
  await h?.close();
});

const A = auth(TOKENS.accountA);
const B = auth(TOKENS.accountB);
const ADMIN = auth(TOKENS.admin);

describe('callback CRUD', () => {
  it('creates, reads, updates and deletes a callback', async () => {
    const { callback: created } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    expect(created!.id).toMatch(/^cb_[0-9A-Z]{26}$/);
    expect(created!.revision).toBe(1);
    expect(created!.state).toBe(CallbackState.ACTIVE);
    expect(created!.createTime).toBeInstanceOf(Date);

    const { callback: read } = await call(h.client.getCallback.bind(h.client), { id: created!.id }, A);
    expect(read).toEqual(created);

    const { callback: updated } = await call(
      h.client.updateCallback.bind(h.client),
      {
        callback: { ...sampleCallback(), id: created!.id, url: 'https://hooks.example.com/v2', format: Format.XML },
        updateMask: ['url', 'format'],
        expectedRevision: 1,
      },
      A,
    );
    expect(updated).toMatchObject({ url: 'https://hooks.example.com/v2', format: Format.XML, revision: 2 });
    expect(updated!.description).toBe('city changes');

    await call(h.client.deleteCallback.bind(h.client), { id: created!.id, expectedRevision: 2 }, A);
    const gone = await callFails(h.client.getCallback.bind(h.client), { id: created!.id }, A);
    expect(gone.code).toBe(status.NOT_FOUND);
  });

  it('applies "disable on API calls" to the triggers and reports it back', async () => {
    const { callback } = await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ triggers: [], disableOnApiCalls: true }) },
      A,
    );
    expect(callback!.triggers).not.toContain(Origin.REST);
    expect(callback!.triggers).not.toContain(Origin.SOAP);
    expect(callback!.triggers).toContain(Origin.OPEN);
    expect(callback!.disableOnApiCalls).toBe(true);

    const { callback: enabled } = await call(
      h.client.updateCallback.bind(h.client),
      {
        callback: { ...callback!, disableOnApiCalls: false },
        updateMask: ['disable_on_api_calls'],
        expectedRevision: 0,
      },
      A,
    );
    expect(enabled!.triggers).toContain(Origin.REST);
    expect(enabled!.disableOnApiCalls).toBe(false);

    // A replacement of every field takes the triggers it names as they are.
    const { callback: replaced } = await call(
      h.client.updateCallback.bind(h.client),
      {
        callback: { ...enabled!, triggers: [Origin.PUBLISHER], disableOnApiCalls: false },
        updateMask: ['*'],
        expectedRevision: 0,
      },
      A,
    );
    expect(replaced!.triggers).toEqual([Origin.PUBLISHER]);
  });

  it('keeps actions and triggers as sets', async () => {
    const { callback } = await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ actions: [Action.DELETE, Action.CREATE, Action.DELETE] }) },
      A,
    );
    expect(callback!.actions).toEqual([Action.CREATE, Action.DELETE]);
  });

  it('refuses a stale revision with ABORTED and tells the current one', async () => {
    const { callback } = await call(h.client.createCallback.bind(h.client), { callback: sampleCallback() }, A);
    await call(
      h.client.updateCallback.bind(h.client),
      { callback: { ...callback!, description: 'first' }, updateMask: ['description'], expectedRevision: 1 },
      A,
    );
    const stale = await callFails(
      h.client.updateCallback.bind(h.client),
      { callback: { ...callback!, description: 'second' }, updateMask: ['description'], expectedRevision: 1 },
      A,
    );
    expect(stale.code).toBe(status.ABORTED);
    expect(stale.details).toMatch(/revision 2, not 1/);

    const staleDelete = await callFails(
      h.client.deleteCallback.bind(h.client),
      { id: callback!.id, expectedRevision: 1 },
      A,
    );
    expect(staleDelete.code).toBe(status.ABORTED);
  });
});

describe('pagination', () => {
  it('lists 250 callbacks page by page without gaps or repeats', async () => {
    const database = `paged-${Date.now()}`;
    const created = new Set<string>();
    for (let i = 0; i < 250; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, () =>
          call(h.client.createCallback.bind(h.client), { callback: sampleCallback({ databaseId: database }) }, A),
        ),
      );
      for (const { callback } of batch) created.add(callback!.id);
    }

    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await call(
        h.client.listCallbacks.bind(h.client),
        { accountId: 'acct-a', databaseId: database, collectionId: '', state: 0, labels: {}, pageSize: 40, pageToken },
        A,
      );
      expect(page.callbacks.length).toBeLessThanOrEqual(40);
      seen.push(...page.callbacks.map((c) => c.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== '');

    expect(pages).toBe(7);
    expect(seen).toHaveLength(250);
    expect(new Set(seen)).toEqual(created);
    expect([...seen].sort()).toEqual(seen);
  });

  it('filters by state and label', async () => {
    const database = `filtered-${Date.now()}`;
    const { callback: off } = await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ databaseId: database, state: CallbackState.DISABLED, labels: { env: 'prod' } }) },
      A,
    );
    await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ databaseId: database, labels: { env: 'test' } }) },
      A,
    );

    const list = (filters: { state?: CallbackState; labels?: Record<string, string> }) =>
      call(
        h.client.listCallbacks.bind(h.client),
        {
          accountId: '',
          databaseId: database,
          collectionId: '',
          state: filters.state ?? 0,
          labels: filters.labels ?? {},
          pageSize: 0,
          pageToken: '',
        },
        A,
      );
    expect((await list({ state: CallbackState.DISABLED })).callbacks.map((c) => c.id)).toEqual([off!.id]);
    expect((await list({ labels: { env: 'prod' } })).callbacks.map((c) => c.id)).toEqual([off!.id]);
    expect((await list({})).callbacks).toHaveLength(2);
  });

  it('refuses a page token used with other filters', async () => {
    const database = `tokens-${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      await call(h.client.createCallback.bind(h.client), { callback: sampleCallback({ databaseId: database }) }, A);
    }
    const base = {
      accountId: '',
      databaseId: database,
      collectionId: '',
      state: 0,
      labels: {},
      pageSize: 1,
      pageToken: '',
    };
    const first = await call(h.client.listCallbacks.bind(h.client), base, A);
    const misuse = await callFails(
      h.client.listCallbacks.bind(h.client),
      { ...base, databaseId: 'other', pageToken: first.nextPageToken },
      A,
    );
    expect(misuse.code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('tenant isolation', () => {
  it("gives a token for account A no way to B's callbacks", async () => {
    const { callback: theirs } = await call(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ accountId: 'acct-b' }) },
      B,
    );
    const id = theirs!.id;

    expect((await callFails(h.client.getCallback.bind(h.client), { id }, A)).code).toBe(status.NOT_FOUND);
    expect(
      (
        await callFails(
          h.client.updateCallback.bind(h.client),
          { callback: { ...theirs!, url: 'https://evil.example.com/' }, updateMask: ['url'], expectedRevision: 0 },
          A,
        )
      ).code,
    ).toBe(status.NOT_FOUND);
    expect((await callFails(h.client.deleteCallback.bind(h.client), { id, expectedRevision: 0 }, A)).code).toBe(
      status.NOT_FOUND,
    );

    const listing = await call(
      h.client.listCallbacks.bind(h.client),
      { accountId: '', databaseId: '', collectionId: '', state: 0, labels: {}, pageSize: 1000, pageToken: '' },
      A,
    );
    expect(listing.callbacks.every((c) => c.accountId === 'acct-a')).toBe(true);
    expect(listing.callbacks.map((c) => c.id)).not.toContain(id);

    const explicit = await callFails(
      h.client.listCallbacks.bind(h.client),
      { accountId: 'acct-b', databaseId: '', collectionId: '', state: 0, labels: {}, pageSize: 0, pageToken: '' },
      A,
    );
    expect(explicit.code).toBe(status.PERMISSION_DENIED);

    const create = await callFails(
      h.client.createCallback.bind(h.client),
      { callback: sampleCallback({ accountId: 'acct-b' }) },
      A,
    );
    expect(create.code).toBe(status.PERMISSION_DENIED);

    // B's callback is untouched, and an all-accounts token sees it.
    const { callback: still } = await call(h.client.getCallback.bind(h.client), { id }, ADMIN);
    expect(still).toEqual(theirs);
  });

  it('refuses calls without a valid bearer token', async () => {
    const none = await callFails(h.client.getCallback.bind(h.client), { id: 'cb_x' }, auth(''));
    expect(none.code).toBe(status.UNAUTHENTICATED);
    const wrong = await callFails(h.client.getCallback.bind(h.client), { id: 'cb_x' }, auth('not-a-token'));
    expect(wrong.code).toBe(status.UNAUTHENTICATED);
  });
});

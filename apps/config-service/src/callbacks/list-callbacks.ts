import { InvalidArgumentError, isId, Violations } from '@callbacks/domain';
import { type Callback, CallbackState } from '@callbacks/proto/callbacks/v1/callback';
import type { ListCallbacksRequest } from '@callbacks/proto/callbacks/v1/callback_service';
import type { Principal } from '../auth/tokens';
import type { EndpointHealthStore } from '../deliveries/ports';
import { apiView } from './callback-secrets';
import { decodePageToken, encodePageToken, pageSizeOf } from './page-token';
import type { CallbackFilter, CallbackRepository } from './ports';
import { assertMayAccess, scopeOf } from './scope';

export interface CallbackPage {
  callbacks: Callback[];
  nextPageToken: string;
  /** By callback id: since when it has only failed, for those failing now. */
  failingSince: Record<string, Date>;
}

export class ListCallbacks {
  constructor(
    private readonly deps: { repository: CallbackRepository; health?: Pick<EndpointHealthStore, 'failingSinceOf'> },
  ) {}

  async execute(principal: Principal, request: ListCallbacksRequest): Promise<CallbackPage> {
    const v = Violations.root();
    for (const field of ['accountId', 'databaseId', 'collectionId'] as const) {
      const value = request[field];
      if (value !== '' && !isId(value)) v.add('INVALID_ID', 'is not a valid id', snake(field));
    }
    if (request.collectionId !== '' && request.databaseId === '') {
      v.add('REQUIRED', 'is required when collection_id is given', 'database_id');
    }
    if (request.state === CallbackState.UNRECOGNIZED || !(request.state in CallbackState)) {
      v.add('UNKNOWN_ENUM', 'is not a CALLBACK_STATE_* value', 'state');
    }
    const size = pageSizeOf(request.pageSize, v);
    if (!v.empty) throw new InvalidArgumentError(v.all);

    let scope = scopeOf(principal);
    if (request.accountId !== '') {
      assertMayAccess(principal, request.accountId);
      scope = [request.accountId];
    }
    const filter: CallbackFilter = {
      scope,
      ...(request.databaseId ? { databaseId: request.databaseId } : {}),
      ...(request.collectionId ? { collectionId: request.collectionId } : {}),
      ...(request.state !== CallbackState.UNSPECIFIED ? { state: request.state } : {}),
      ...(Object.keys(request.labels).length > 0 ? { labels: request.labels } : {}),
    };
    const fingerprinted = { ...filter, labels: Object.entries(filter.labels ?? {}).sort() };
    const afterId = decodePageToken(request.pageToken, fingerprinted);

    // One extra row tells whether another page follows without a second query.
    const rows = await this.deps.repository.list(filter, afterId, size + 1);
    const callbacks = rows.slice(0, size);
    const last = callbacks[callbacks.length - 1];
    const failing = (await this.deps.health?.failingSinceOf(callbacks.map((c) => c.id))) ?? new Map<string, Date>();
    return {
      callbacks: callbacks.map(apiView),
      nextPageToken: rows.length > size && last ? encodePageToken(last.id, fingerprinted) : '',
      failingSince: Object.fromEntries(failing),
    };
  }
}

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

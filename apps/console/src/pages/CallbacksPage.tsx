import { type FormEvent, useState } from 'react';
import { type Callback, type CallbackState, client, type Delivery, unwrap } from '../api';
import { Empty, enumWord, ErrorMessage, Loading, StateBadge, Time, useLoad } from '../components/common';
import { Link, navigate, queryString } from '../router';

const STATES: [CallbackState | '', string][] = [
  ['', 'Any state'],
  ['CALLBACK_STATE_ACTIVE', 'Active'],
  ['CALLBACK_STATE_DISABLED', 'Disabled'],
  ['CALLBACK_STATE_DISABLED_GONE', 'Disabled: 410 Gone'],
  ['CALLBACK_STATE_DISABLED_FAILING', 'Disabled: kept failing'],
];
const PAGE_SIZE = 20;

/** The callbacks of the caller's accounts, filtered by account, state and database, a page at a time. */
export function CallbacksPage({ query }: { query: URLSearchParams }) {
  const filter = {
    account: query.get('account') ?? '',
    state: query.get('state') ?? '',
    database: query.get('database') ?? '',
    page: query.get('page') ?? '',
  };
  const { result, reload } = useLoad(
    () =>
      unwrap(
        client.GET('/v1/callbacks', {
          params: {
            query: {
              accountId: filter.account || undefined,
              databaseId: filter.database || undefined,
              state: (filter.state || undefined) as CallbackState | undefined,
              pageSize: PAGE_SIZE,
              pageToken: filter.page || undefined,
            },
          },
        }),
      ),
    JSON.stringify(filter),
  );

  return (
    <section>
      <div className="title-row">
        <h1>Callbacks</h1>
        <Link to="/callbacks/new" className="button primary">
          New callback
        </Link>
      </div>
      <Filters filter={filter} />
      {result.state === 'loading' && <Loading what="callbacks" />}
      {result.state === 'error' && <ErrorMessage error={result.error} onRetry={reload} />}
      {result.state === 'ok' &&
        ((result.data.callbacks ?? []).length === 0 ? (
          <Empty>
            No callbacks {filter.state || filter.database || filter.account ? 'match these filters' : 'yet'}.{' '}
            <Link to="/callbacks/new">Create one.</Link>
          </Empty>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Callbacks</caption>
                <thead>
                  <tr>
                    <th scope="col">State</th>
                    <th scope="col">Scope</th>
                    <th scope="col">URL</th>
                    <th scope="col">Format</th>
                    <th scope="col">Actions</th>
                    <th scope="col">Last delivery</th>
                    <th scope="col">Failing since</th>
                  </tr>
                </thead>
                <tbody>
                  {(result.data.callbacks ?? []).map((callback) => (
                    <CallbackRow
                      key={callback.id}
                      callback={callback}
                      failingSince={result.data.failingSince?.[callback.id ?? '']}
                    />
                  ))}
                </tbody>
              </table>
            </div>
            <nav className="pager" aria-label="Pages">
              {filter.page && <Link to={`/callbacks${queryString({ ...filter, page: undefined })}`}>First page</Link>}
              {result.data.nextPageToken && (
                <Link to={`/callbacks${queryString({ ...filter, page: result.data.nextPageToken })}`}>Next page</Link>
              )}
            </nav>
          </>
        ))}
    </section>
  );
}

function Filters({ filter }: { filter: Record<string, string> }) {
  const [account, setAccount] = useState(filter.account ?? '');
  const [state, setState] = useState(filter.state ?? '');
  const [database, setDatabase] = useState(filter.database ?? '');
  const apply = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/callbacks${queryString({ account, state, database })}`);
  };
  return (
    <form className="filters" onSubmit={apply} aria-label="Filter callbacks">
      <div className="field">
        <label htmlFor="filter-account">Account</label>
        <input id="filter-account" value={account} onChange={(e) => setAccount(e.target.value)} placeholder="any" />
      </div>
      <div className="field">
        <label htmlFor="filter-state">State</label>
        <select id="filter-state" value={state} onChange={(e) => setState(e.target.value)}>
          {STATES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-database">Database</label>
        <input id="filter-database" value={database} onChange={(e) => setDatabase(e.target.value)} placeholder="any" />
      </div>
      <button type="submit">Filter</button>
    </form>
  );
}

function CallbackRow({ callback, failingSince }: { callback: Callback; failingSince: string | undefined }) {
  const { result } = useLoad(
    () =>
      unwrap(
        client.GET('/v1/callbacks/{callbackId}/deliveries', {
          params: { path: { callbackId: callback.id ?? '' }, query: { pageSize: 1 } },
        }),
      ),
    `${callback.id}:${callback.revision}`,
  );
  const actions =
    (callback.actions ?? []).length === 0
      ? 'all'
      : (callback.actions ?? []).map((a) => enumWord(a, 'ACTION_')).join(', ');
  return (
    <tr>
      <td data-label="State">
        <StateBadge state={callback.state} />
      </td>
      <td data-label="Scope">
        account {callback.accountId} ·{' '}
        {callback.collectionId
          ? `collection ${callback.collectionId} (database ${callback.databaseId})`
          : `database ${callback.databaseId}`}
      </td>
      <td data-label="URL" className="url">
        <Link to={`/callbacks/${encodeURIComponent(callback.id ?? '')}`}>{callback.url}</Link>
        {callback.description && <div className="muted">{callback.description}</div>}
      </td>
      <td data-label="Format">{enumWord(callback.format, 'FORMAT_').toUpperCase()}</td>
      <td data-label="Actions">{actions}</td>
      <td data-label="Last delivery">
        {result.state === 'ok' ? (
          <LastDelivery delivery={result.data.deliveries?.[0]} />
        ) : result.state === 'loading' ? (
          '…'
        ) : (
          'unavailable'
        )}
      </td>
      <td data-label="Failing since">
        {failingSince ? <Time value={failingSince} /> : <span className="muted">—</span>}
      </td>
    </tr>
  );
}

function LastDelivery({ delivery }: { delivery: Delivery | undefined }) {
  if (!delivery) return <span className="muted">none yet</span>;
  const attempt = delivery.lastAttempt;
  const outcome = attempt?.statusCode
    ? `HTTP ${attempt.statusCode}`
    : attempt?.errorClass
      ? attempt.errorClass.replace(/_/g, ' ')
      : '';
  return (
    <Link to={`/deliveries/${encodeURIComponent(delivery.id ?? '')}`}>
      <StateBadge state={delivery.state} /> {outcome} <Time value={delivery.updateTime} />
    </Link>
  );
}

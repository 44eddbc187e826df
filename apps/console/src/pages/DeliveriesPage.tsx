import { type FormEvent, useState } from 'react';
import { client, type DeliveryState, unwrap } from '../api';
import { durationMs, Empty, ErrorMessage, Loading, StateBadge, Time, useLoad } from '../components/common';
import { SelectField, TextField } from '../components/fields';
import { Link, navigate, queryString } from '../router';

const STATES: [DeliveryState | '', string][] = [
  ['', 'Any state'],
  ['DELIVERY_STATE_PENDING', 'Pending'],
  ['DELIVERY_STATE_SUCCEEDED', 'Succeeded'],
  ['DELIVERY_STATE_DEAD', 'Dead'],
  ['DELIVERY_STATE_SKIPPED', 'Skipped'],
];

/** `datetime-local` (the viewer's zone) to RFC 3339, and back. */
function toIso(local: string): string | undefined {
  const date = new Date(local);
  return local && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** A callback's deliveries by state and time range, newest first; replay a selection or a range. */
export function DeliveriesPage({ callbackId, query }: { callbackId: string; query: URLSearchParams }) {
  const filter = {
    state: query.get('state') ?? '',
    from: query.get('from') ?? '',
    until: query.get('until') ?? '',
    page: query.get('page') ?? '',
  };
  const [state, setState] = useState(filter.state);
  const [from, setFrom] = useState(filter.from);
  const [until, setUntil] = useState(filter.until);
  const [selected, setSelected] = useState<string[]>([]);
  const [replayed, setReplayed] = useState<string>();
  const [error, setError] = useState<unknown>();
  const base = `/callbacks/${encodeURIComponent(callbackId)}/deliveries`;
  const { result, reload } = useLoad(
    () =>
      unwrap(
        client.GET('/v1/callbacks/{callbackId}/deliveries', {
          params: {
            path: { callbackId },
            query: {
              state: (filter.state || undefined) as DeliveryState | undefined,
              startTime: toIso(filter.from),
              endTime: toIso(filter.until),
              pageSize: 50,
              pageToken: filter.page || undefined,
            },
          },
        }),
      ),
    `${callbackId}:${JSON.stringify(filter)}`,
    5_000,
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setSelected([]);
    navigate(`${base}${queryString({ state, from, until })}`);
  };

  const replay = async (
    body:
      | { deliveryIds: string[] }
      | { callbackId: string; states?: DeliveryState[]; startTime?: string; endTime?: string },
  ) => {
    setError(undefined);
    setReplayed(undefined);
    try {
      const { deliveryIds = [] } = await unwrap(
        client.POST('/v1/deliveries:replay', { body: { ...body, requestId: crypto.randomUUID().replace(/-/g, '') } }),
      );
      setReplayed(
        deliveryIds.length === 0
          ? 'Nothing to replay: no delivery matched.'
          : `Replayed ${deliveryIds.length} ${deliveryIds.length === 1 ? 'delivery' : 'deliveries'}: they are queued as new deliveries.`,
      );
      setSelected([]);
      reload();
    } catch (e) {
      setError(e);
    }
  };

  const deliveries = result.state === 'ok' ? (result.data.deliveries ?? []) : [];
  return (
    <section>
      <p className="crumbs">
        <Link to={`/callbacks/${encodeURIComponent(callbackId)}`}>Back to the callback</Link>
      </p>
      <h1>Deliveries</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter deliveries">
        <SelectField label="State" value={state as DeliveryState | ''} onChange={setState} options={STATES} />
        <TextField label="Created from" type="datetime-local" value={from} onChange={setFrom} />
        <TextField label="Created before" type="datetime-local" value={until} onChange={setUntil} />
        <button type="submit">Filter</button>
      </form>
      <div className="row">
        <button type="button" disabled={selected.length === 0} onClick={() => void replay({ deliveryIds: selected })}>
          Replay selected ({selected.length})
        </button>
        <button
          type="button"
          onClick={() =>
            void replay({
              callbackId,
              ...(filter.state ? { states: [filter.state as DeliveryState] } : {}),
              ...(toIso(filter.from) ? { startTime: toIso(filter.from) } : {}),
              ...(toIso(filter.until) ? { endTime: toIso(filter.until) } : {}),
            })
          }
        >
          Replay the filtered range{filter.state ? '' : ' (dead and skipped)'}
        </button>
        <p role="status" className="notice">
          {replayed}
        </p>
      </div>
      <ErrorMessage error={error} />
      {result.state === 'loading' && <Loading what="deliveries" />}
      {result.state === 'error' && <ErrorMessage error={result.error} onRetry={reload} />}
      {result.state === 'ok' && deliveries.length === 0 && (
        <Empty>No deliveries {filter.state || filter.from || filter.until ? 'match these filters' : 'yet'}.</Empty>
      )}
      {deliveries.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">Next attempt</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td data-label="Select">
                    <input
                      type="checkbox"
                      aria-label={`Select delivery ${d.id}`}
                      checked={selected.includes(d.id ?? '')}
                      onChange={(e) =>
                        setSelected(e.target.checked ? [...selected, d.id ?? ''] : selected.filter((s) => s !== d.id))
                      }
                    />
                  </td>
                  <td data-label="Created">
                    <Link to={`/deliveries/${encodeURIComponent(d.id ?? '')}`}>
                      <Time value={d.createTime} />
                    </Link>
                    {d.replayOf && <div className="muted">replay</div>}
                  </td>
                  <td data-label="State">
                    <StateBadge state={d.state} />
                  </td>
                  <td data-label="Attempts">{d.attemptCount}</td>
                  <td data-label="Status">
                    {d.lastAttempt?.statusCode
                      ? `HTTP ${d.lastAttempt.statusCode}`
                      : (d.lastAttempt?.errorClass ?? '—')}
                  </td>
                  <td data-label="Duration">{durationMs(d.lastAttempt?.duration)}</td>
                  <td data-label="Next attempt">
                    {d.state === 'DELIVERY_STATE_PENDING' ? <Time value={d.nextAttemptTime} /> : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {result.state === 'ok' && result.data.nextPageToken && (
        <nav className="pager" aria-label="Pages">
          <Link to={`${base}${queryString({ ...filter, page: result.data.nextPageToken })}`}>Older deliveries</Link>
        </nav>
      )}
    </section>
  );
}

import { useState } from 'react';
import { client, unwrap } from '../api';
import { durationMs, ErrorMessage, Loading, StateBadge, Time, useLoad } from '../components/common';
import { Link } from '../router';

/** One delivery with every attempt and the start of each response; replay it. */
export function DeliveryPage({ id }: { id: string }) {
  const { result, reload } = useLoad(
    () => unwrap(client.GET('/v1/deliveries/{id}', { params: { path: { id } } })).then((r) => r.delivery ?? {}),
    id,
  );
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<unknown>();
  if (result.state === 'loading') return <Loading what="the delivery" />;
  if (result.state === 'error') return <ErrorMessage error={result.error} onRetry={reload} />;
  const d = result.data;

  const replay = async () => {
    setError(undefined);
    try {
      const { deliveryIds = [] } = await unwrap(
        client.POST('/v1/deliveries:replay', {
          body: { deliveryIds: [id], requestId: crypto.randomUUID().replace(/-/g, '') },
        }),
      );
      setNotice(`Replayed as a new delivery: ${deliveryIds.join(', ')}.`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <p className="crumbs">
        <Link to={`/callbacks/${encodeURIComponent(d.callbackId ?? '')}/deliveries`}>Deliveries of the callback</Link>
      </p>
      <div className="title-row">
        <h1>Delivery</h1>
        <StateBadge state={d.state} />
      </div>
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{d.id}</code>
        </dd>
        <dt>Event</dt>
        <dd>
          <code>{d.eventId}</code>
        </dd>
        <dt>Created</dt>
        <dd>
          <Time value={d.createTime} />
        </dd>
        {d.state === 'DELIVERY_STATE_PENDING' && (
          <>
            <dt>Next attempt</dt>
            <dd>
              <Time value={d.nextAttemptTime} />
            </dd>
          </>
        )}
        {d.replayOf && (
          <>
            <dt>Replay of</dt>
            <dd>
              <Link to={`/deliveries/${encodeURIComponent(d.replayOf)}`}>{d.replayOf}</Link>
            </dd>
          </>
        )}
      </dl>
      <div className="row">
        <button type="button" onClick={() => void replay()}>
          Replay this delivery
        </button>
        <p role="status" className="notice">
          {notice}
        </p>
      </div>
      <ErrorMessage error={error} />
      <h2>Attempts</h2>
      {(d.attempts ?? []).length === 0 ? (
        <p className="empty">
          No attempts yet{d.state === 'DELIVERY_STATE_SKIPPED' ? ': it matched while the callback was disabled' : ''}.
        </p>
      ) : (
        <ol className="attempts">
          {(d.attempts ?? []).map((a) => (
            <li key={`${a.number}-${a.startTime}`}>
              <p>
                <strong>Attempt {a.number}</strong> · <Time value={a.startTime} /> ·{' '}
                {a.statusCode ? `HTTP ${a.statusCode}` : 'no response'}
                {a.errorClass && ` · ${a.errorClass.replace(/_/g, ' ')}`} · {durationMs(a.duration)}
              </p>
              {a.errorMessage && <p className="muted">{a.errorMessage}</p>}
              <pre className="excerpt" aria-label={`Response excerpt of attempt ${a.number}`}>
                {a.responseExcerpt || '(empty response)'}
              </pre>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

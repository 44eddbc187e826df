import { type FormEvent, useState } from 'react';
import { type Callback, client, type ProfileEvent, type TestResult, unwrap } from '../api';
import { durationMs, ErrorMessage, Loading, useLoad } from '../components/common';
import { CheckField, SelectField, TextField } from '../components/fields';
import { Link } from '../router';
import { formatPairs, parsePairs, sampleEvent } from '../sample-event';

type Action = NonNullable<ProfileEvent['action']>;
type Origin = NonNullable<ProfileEvent['origin']>;
const ACTIONS: [Action, string][] = [
  ['ACTION_CREATE', 'create'],
  ['ACTION_UPDATE', 'update'],
  ['ACTION_DELETE', 'delete'],
];
const ORIGINS: [Origin, string][] = (
  ['PUBLISHER', 'REST', 'SOAP', 'WEBFORM', 'IMPORT', 'COPY', 'OPEN', 'CLICK', 'BOUNCE', 'FAILURE'] as const
).map((o) => [`ORIGIN_${o}`, o.toLowerCase()]);

/** "Test this callback": a sample event, whether it fires and why, rule by rule, and the request it would send. */
export function TestPage({ id }: { id: string }) {
  const { result, reload } = useLoad(
    () => unwrap(client.GET('/v1/callbacks/{id}', { params: { path: { id } } })).then((r) => r.callback ?? {}),
    id,
  );
  if (result.state === 'loading') return <Loading what="the callback" />;
  if (result.state === 'error') return <ErrorMessage error={result.error} onRetry={reload} />;
  return <Tester callback={result.data} />;
}

function Tester({ callback }: { callback: Callback }) {
  const [event, setEvent] = useState<ProfileEvent>(() => sampleEvent(callback));
  const [fields, setFields] = useState(formatPairs(event.fields));
  const [previous, setPrevious] = useState(formatPairs(event.previousFields));
  const [send, setSend] = useState(false);
  const [outcome, setOutcome] = useState<TestResult>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const id = callback.id ?? '';

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      const body = { event: { ...event, fields: parsePairs(fields), previousFields: parsePairs(previous) }, send };
      setOutcome(
        await unwrap(client.POST('/v1/callbacks/{callbackId}:test', { params: { path: { callbackId: id } }, body })),
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p className="crumbs">
        <Link to={`/callbacks/${encodeURIComponent(id)}`}>Callback {callback.url}</Link>
      </p>
      <h1>Test this callback</h1>
      <form onSubmit={(e) => void run(e)} aria-label="Sample event">
        <div className="row">
          <SelectField
            label="Action"
            value={event.action ?? 'ACTION_UPDATE'}
            onChange={(action) => setEvent({ ...event, action })}
            options={ACTIONS}
          />
          <SelectField
            label="Origin"
            value={event.origin ?? 'ORIGIN_PUBLISHER'}
            onChange={(origin) => setEvent({ ...event, origin })}
            options={ORIGINS}
          />
          <TextField
            label="Profile"
            value={event.profileId ?? ''}
            onChange={(profileId) => setEvent({ ...event, profileId })}
          />
        </div>
        <div className="row">
          <TextField
            label="Fields after the change (name=value, one per line)"
            multiline
            value={fields}
            onChange={setFields}
          />
          <TextField
            label="Previous values (name=value, one per line)"
            multiline
            value={previous}
            onChange={setPrevious}
          />
        </div>
        <CheckField label="Also send it once to the URL (nothing is recorded)" checked={send} onChange={setSend} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Testing…' : 'Run the test'}
        </button>
      </form>
      <ErrorMessage error={error} />
      {outcome && <Outcome outcome={outcome} />}
    </section>
  );
}

function Outcome({ outcome }: { outcome: TestResult }) {
  return (
    <div className="result" aria-live="polite">
      <h2 className={outcome.matched ? 'fires' : 'no-fire'}>{outcome.matched ? 'It fires' : 'It does not fire'}</h2>
      <p>{outcome.reason}</p>
      {(outcome.rules ?? []).length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Rule by rule</caption>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Kind</th>
                <th scope="col">Held</th>
                <th scope="col">Why not</th>
              </tr>
            </thead>
            <tbody>
              {(outcome.rules ?? []).map((rule) => (
                <tr key={rule.index}>
                  <td data-label="Rule">
                    {(rule.index ?? 0) + 1}
                    {rule.name ? ` (${rule.name})` : ''}
                  </td>
                  <td data-label="Kind">
                    {rule.disabled ? 'disabled' : rule.excluding ? 'excluding (OR NOT)' : 'including'}
                  </td>
                  <td data-label="Held">{rule.held ? 'yes' : 'no'}</td>
                  <td data-label="Why not">{rule.failure || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>Expression: {outcome.expressionResult ? 'true (or none)' : 'false'}</p>
      {outcome.sent && (
        <p>
          Sent once: {outcome.sent.statusCode ? `HTTP ${outcome.sent.statusCode}` : outcome.sent.errorClass} in{' '}
          {durationMs(outcome.sent.duration)}
          {outcome.sent.errorMessage ? ` — ${outcome.sent.errorMessage}` : ''}
        </p>
      )}
      <h3>The request, exactly as it would be sent</h3>
      <pre className="request" aria-label="Request headers">
        {(outcome.headers ?? []).map((h) => `${h.name}: ${h.value}`).join('\n')}
      </pre>
      <pre className="request" aria-label="Request body">
        {outcome.body}
      </pre>
    </div>
  );
}

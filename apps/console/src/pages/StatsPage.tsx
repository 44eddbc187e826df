import { type FormEvent, useState } from 'react';
import { client, type Stats, unwrap } from '../api';
import { ErrorMessage, Loading, useLoad } from '../components/common';
import { SelectField, TextField } from '../components/fields';
import { Link, navigate, queryString } from '../router';

const PERIODS = [
  ['1h', 'Last hour (per minute)'],
  ['6h', 'Last 6 hours (per minute)'],
  ['24h', 'Last 24 hours (per hour)'],
  ['7d', 'Last 7 days (per hour)'],
] as const;
type Period = (typeof PERIODS)[number][0];
const PERIOD_MS: Record<Period, number> = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
};

/** Statistics of a callback, or of an account: attempts by outcome over time, failure rate, latency. */
export function StatsPage({ callbackId, query }: { callbackId: string | undefined; query: URLSearchParams }) {
  const period = (PERIODS.find(([p]) => p === query.get('period'))?.[0] ?? '1h') as Period;
  const account = query.get('account') ?? '';
  const [chosen, setChosen] = useState<Period>(period);
  const [accountInput, setAccountInput] = useState(account);
  const base = callbackId ? `/callbacks/${encodeURIComponent(callbackId)}/stats` : '/stats';
  const { result, reload } = useLoad(
    () => {
      const startTime = new Date(Date.now() - PERIOD_MS[period]).toISOString();
      return callbackId
        ? unwrap(
            client.GET('/v1/callbacks/{callbackId}/stats', { params: { path: { callbackId }, query: { startTime } } }),
          )
        : unwrap(
            client.GET('/v1/deliveries:stats', { params: { query: { accountId: account || undefined, startTime } } }),
          );
    },
    `${callbackId}:${account}:${period}`,
    10_000,
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    navigate(`${base}${queryString({ period: chosen, account: callbackId ? undefined : accountInput })}`);
  };

  return (
    <section>
      {callbackId && (
        <p className="crumbs">
          <Link to={`/callbacks/${encodeURIComponent(callbackId)}`}>Back to the callback</Link>
        </p>
      )}
      <h1>{callbackId ? 'Statistics of the callback' : 'Statistics of an account'}</h1>
      <form className="filters" onSubmit={apply} aria-label="Choose the period">
        {!callbackId && (
          <TextField
            label="Account"
            value={accountInput}
            onChange={setAccountInput}
            hint="Needed when your token may see several accounts."
          />
        )}
        <SelectField label="Period" value={chosen} onChange={setChosen} options={PERIODS} />
        <button type="submit">Show</button>
      </form>
      {result.state === 'loading' && <Loading what="statistics" />}
      {result.state === 'error' && <ErrorMessage error={result.error} onRetry={reload} />}
      {result.state === 'ok' && <StatsView stats={result.data} />}
    </section>
  );
}

function count(value: string | number | undefined): number {
  return Number(value ?? 0);
}

function StatsView({ stats }: { stats: Stats }) {
  const totals = stats.totals ?? {};
  const all = count(totals.succeeded) + count(totals.retrying) + count(totals.dead);
  const ms = (v: number | undefined) => (all === 0 ? '—' : `${Math.round(v ?? 0)} ms`);
  return (
    <>
      <dl className="kpis">
        <div>
          <dt>Attempts</dt>
          <dd data-testid="stats-total">{all}</dd>
        </div>
        <div>
          <dt>Succeeded</dt>
          <dd>{count(totals.succeeded)}</dd>
        </div>
        <div>
          <dt>Failure rate</dt>
          <dd>{all === 0 ? '—' : `${((stats.failureRate ?? 0) * 100).toFixed(1)} %`}</dd>
        </div>
        <div>
          <dt>Latency p50 / p90 / p99</dt>
          <dd>
            {ms(stats.latencyP50Ms)} / {ms(stats.latencyP90Ms)} / {ms(stats.latencyP99Ms)}
          </dd>
        </div>
      </dl>
      {all === 0 ? <p className="empty">No attempts in this period.</p> : <Chart stats={stats} />}
    </>
  );
}

const SERIES = [
  ['succeeded', 'Succeeded', 'var(--ok)'],
  ['retrying', 'Failed, retrying', 'var(--wait)'],
  ['dead', 'Failed, last attempt', 'var(--bad)'],
] as const;

/** Stacked bars per interval; the same numbers as a table for screen readers. */
function Chart({ stats }: { stats: Stats }) {
  const buckets = stats.buckets ?? [];
  const hourly = stats.interval === 'STATS_INTERVAL_HOUR';
  const totals = buckets.map((b) => SERIES.reduce((sum, [key]) => sum + count(b.counts?.[key]), 0));
  const max = Math.max(1, ...totals);
  const width = 800;
  const height = 200;
  const barWidth = width / Math.max(1, buckets.length);
  const label = (iso: string | undefined) =>
    iso
      ? new Date(iso).toLocaleString(
          undefined,
          hourly ? { month: 'short', day: 'numeric', hour: '2-digit' } : { hour: '2-digit', minute: '2-digit' },
        )
      : '';
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height + 20}`}
        role="img"
        aria-label={`Attempts per ${hourly ? 'hour' : 'minute'} by outcome; at most ${max} in one ${hourly ? 'hour' : 'minute'}`}
      >
        {buckets.map((bucket, i) => {
          let y = height;
          return (
            <g key={bucket.startTime}>
              <title>{`${label(bucket.startTime)}: ${SERIES.map(([key, name]) => `${name} ${count(bucket.counts?.[key])}`).join(', ')}`}</title>
              {SERIES.map(([key, , color]) => {
                const h = (count(bucket.counts?.[key]) / max) * height;
                y -= h;
                return h > 0 ? (
                  <rect
                    key={key}
                    x={i * barWidth + 0.5}
                    y={y}
                    width={Math.max(1, barWidth - 1)}
                    height={h}
                    fill={color}
                  />
                ) : null;
              })}
            </g>
          );
        })}
        <line x1="0" y1={height} x2={width} y2={height} stroke="currentColor" strokeWidth="1" />
        <text x="0" y={height + 15} fontSize="12" fill="currentColor">
          {label(buckets[0]?.startTime)}
        </text>
        <text x={width} y={height + 15} fontSize="12" textAnchor="end" fill="currentColor">
          {label(buckets[buckets.length - 1]?.startTime)}
        </text>
      </svg>
      <figcaption className="legend">
        {SERIES.map(([key, name, color]) => (
          <span key={key}>
            <span className="swatch" style={{ background: color }} aria-hidden="true" /> {name}
          </span>
        ))}
      </figcaption>
      <table className="visually-hidden">
        <caption>Attempts per {hourly ? 'hour' : 'minute'}</caption>
        <thead>
          <tr>
            <th scope="col">From</th>
            {SERIES.map(([key, name]) => (
              <th key={key} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {buckets
            .filter((_, i) => (totals[i] ?? 0) > 0)
            .map((bucket) => (
              <tr key={bucket.startTime}>
                <td>{label(bucket.startTime)}</td>
                {SERIES.map(([key]) => (
                  <td key={key}>{count(bucket.counts?.[key])}</td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}

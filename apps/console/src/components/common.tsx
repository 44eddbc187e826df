import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api';

/** A time in the viewer's time zone, with UTC on hover. */
export function Time({ value }: { value: string | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()) || date.getTime() <= 0) return <span className="muted">—</span>;
  const local = date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <time
      dateTime={date.toISOString()}
      title={`${date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')}`}
    >
      {local}
    </time>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** An error in words, with what to do about it. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (error === undefined || error === null) return null;
  const message =
    error instanceof ApiError ? error.message : 'Something went wrong in the console. Reload the page and try again.';
  return (
    <div className="error" role="alert">
      <p>{message}</p>
      {error instanceof ApiError && error.violations.length > 0 && (
        <ul>
          {error.violations.map((v) => (
            <li key={`${v.field}:${v.description}`}>
              <code>{v.field || 'request'}</code> {v.description}
            </li>
          ))}
        </ul>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: unknown };

/**
 * Loads with `load` whenever `key` changes; `reload` loads again. With `refreshMs`, loads again
 * that often while the tab is visible, keeping what it shows until the new answer is there.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  key: string,
  refreshMs?: number,
): { result: Loaded<T>; reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  const [shown, setShown] = useState(key);
  useEffect(() => {
    if (!refreshMs) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setRound((r) => r + 1);
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);
  useEffect(() => {
    let live = true;
    // A refresh of what is shown keeps it on screen; something else shows "loading" first.
    if (shown !== key || !refreshMs) setResult({ state: 'loading' });
    setShown(key);
    load().then(
      (data) => live && setResult({ state: 'ok', data }),
      (error: unknown) => live && setResult({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
    // `load` is a new function each render; `key` says when it means something else.
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { result, reload };
}

const STATE_WORDS: Record<string, string> = {
  CALLBACK_STATE_ACTIVE: 'Active',
  CALLBACK_STATE_DISABLED: 'Disabled',
  CALLBACK_STATE_DISABLED_GONE: 'Disabled: receiver answered 410 Gone',
  CALLBACK_STATE_DISABLED_FAILING: 'Disabled: kept failing',
  DELIVERY_STATE_PENDING: 'Pending',
  DELIVERY_STATE_SUCCEEDED: 'Succeeded',
  DELIVERY_STATE_DEAD: 'Dead',
  DELIVERY_STATE_SKIPPED: 'Skipped',
};

export function StateBadge({ state }: { state: string | undefined }) {
  const word = STATE_WORDS[state ?? ''] ?? 'Unknown';
  const tone =
    state === 'CALLBACK_STATE_ACTIVE' || state === 'DELIVERY_STATE_SUCCEEDED'
      ? 'ok'
      : state === 'DELIVERY_STATE_PENDING'
        ? 'wait'
        : 'bad';
  return <span className={`badge badge-${tone}`}>{word}</span>;
}

/** `ACTION_UPDATE` → `update`. */
export function enumWord(value: string | undefined, prefix: string): string {
  return (value ?? '').replace(prefix, '').toLowerCase().replace(/_/g, ' ');
}

/** `1.250s` → `1250 ms`. */
export function durationMs(value: string | undefined): string {
  if (!value) return '—';
  const seconds = Number(value.replace(/s$/, ''));
  return Number.isFinite(seconds) ? `${Math.round(seconds * 1000)} ms` : value;
}

import { type FormEvent, useState } from 'react';
import { ApiError, client, session, unwrap } from '../api';
import { ErrorMessage } from '../components/common';
import { navigate } from '../router';

/** A token checked against the API before it is kept (for this tab only). */
export function SignInPage({ onSignedIn, next }: { onSignedIn: () => void; next: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    session.signIn(token.trim());
    try {
      await unwrap(client.GET('/v1/callbacks', { params: { query: { pageSize: 1 } } }));
      onSignedIn();
      navigate(next.startsWith('/') && !next.startsWith('//') ? next : '/callbacks', { replace: true });
    } catch (e) {
      session.signOut();
      setError(
        e instanceof ApiError && e.unauthenticated
          ? new ApiError(401, 'That token was not accepted. Check it and try again.', [], undefined)
          : e,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <p>Sign in with an API token. It is kept in this browser tab only, until you close it or sign out.</p>
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="token">API token</label>
          <input
            id="token"
            type="password"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
        </div>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}

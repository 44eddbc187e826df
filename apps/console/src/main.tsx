import './styles.css';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { session } from './api';
import { CallbackPage } from './pages/CallbackPage';
import { CallbacksPage } from './pages/CallbacksPage';
import { DeliveriesPage } from './pages/DeliveriesPage';
import { DeliveryPage } from './pages/DeliveryPage';
import { SignInPage } from './pages/SignInPage';
import { StatsPage } from './pages/StatsPage';
import { TestPage } from './pages/TestPage';
import { Link, match, navigate, useLocation } from './router';

function App() {
  const location = useLocation();
  const [signedIn, setSignedIn] = useState(() => session.token() !== null);

  useEffect(() => {
    const signedOut = () => {
      session.signOut();
      setSignedIn(false);
    };
    window.addEventListener('callbacks:signed-out', signedOut);
    return () => window.removeEventListener('callbacks:signed-out', signedOut);
  }, []);

  useEffect(() => {
    if (!signedIn && location.path !== '/sign-in')
      navigate(`/sign-in?next=${encodeURIComponent(location.path + window.location.search)}`, { replace: true });
  }, [signedIn, location.path]);

  const page = () => {
    const { path } = location;
    if (path === '/sign-in')
      return <SignInPage onSignedIn={() => setSignedIn(true)} next={location.query.get('next') ?? '/callbacks'} />;
    if (!signedIn) return null;
    if (path === '/' || path === '/callbacks') return <CallbacksPage query={location.query} />;
    if (path === '/callbacks/new') return <CallbackPage id={undefined} query={location.query} />;
    if (path === '/stats') return <StatsPage callbackId={undefined} query={location.query} />;
    let params = match('/callbacks/:id', path);
    if (params) return <CallbackPage id={params.id} query={location.query} />;
    params = match('/callbacks/:id/test', path);
    if (params?.id) return <TestPage id={params.id} />;
    params = match('/callbacks/:id/deliveries', path);
    if (params?.id) return <DeliveriesPage callbackId={params.id} query={location.query} />;
    params = match('/callbacks/:id/stats', path);
    if (params?.id) return <StatsPage callbackId={params.id} query={location.query} />;
    params = match('/deliveries/:id', path);
    if (params?.id) return <DeliveryPage id={params.id} />;
    return (
      <section>
        <h1>Page not found</h1>
        <p>
          There is no page at this address. <Link to="/callbacks">Go to the callbacks.</Link>
        </p>
      </section>
    );
  };

  return (
    <>
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="top">
        <Link to="/callbacks" className="brand">
          Callbacks
        </Link>
        {signedIn && (
          <nav aria-label="Main">
            <Link to="/callbacks">Callbacks</Link>
            <Link to="/stats">Statistics</Link>
            <button
              type="button"
              className="link"
              onClick={() => {
                session.signOut();
                setSignedIn(false);
                navigate('/sign-in');
              }}
            >
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main">{page()}</main>
    </>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}

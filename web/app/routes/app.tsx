import { useEffect, useState } from 'react';
import {
  Form,
  Link,
  NavLink,
  Outlet,
  useLoaderData,
  useRevalidator,
  type LoaderFunctionArgs,
} from 'react-router';
import { apiClient } from '../lib/api.server.ts';
import { SearchBox } from '../search-box.tsx';

export interface Me {
  id: string;
  email: string;
  tz: string;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const api = apiClient(request, context);
  const [me, inbox] = await Promise.all([
    api.need<Me>('/api/me'),
    api.call<{ unread: number }>('GET', '/api/notifications?unread=true&limit=1'),
  ]);
  return { me, unread: inbox.ok ? inbox.body.unread : 0 };
}

interface Toast {
  id: string;
  text: string;
}

/** The signed-in frame: header with navigation and search, the live notification stream, toasts. */
export default function AppFrame() {
  const { me, unread } = useLoaderData<typeof loader>();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const revalidator = useRevalidator();
  useEffect(() => {
    // The session cookie authenticates the stream; EventSource reconnects by itself with Last-Event-ID.
    const source = new EventSource('/api/notifications/stream');
    const onReminder = (e: MessageEvent<string>) => {
      const n = JSON.parse(e.data) as { id: string; title: string; kind: string };
      setToasts((t) => [
        ...t.slice(-3),
        { id: n.id, text: `${n.kind === 'due' ? 'Due' : 'Reminder'}: ${n.title}` },
      ]);
      setTimeout(() => setToasts((t) => t.filter((x) => x.id !== n.id)), 10_000);
      void revalidator.revalidate();
    };
    source.addEventListener('reminder', onReminder);
    source.addEventListener('due', onReminder);
    // Signed out elsewhere ("sign out everywhere", or the session expired): this page is over too.
    source.addEventListener('session-ended', () => window.location.assign('/signin'));
    return () => source.close();
  }, []);
  const nav: [string, string][] = [
    ['/', 'Chat'],
    ['/board', 'Board'],
    ['/calendar', 'Calendar'],
    ['/workflows', 'Workflows'],
    ['/notifications', 'Notifications'],
    ['/settings', 'Settings'],
  ];
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          todo
        </Link>
        <nav className="main" aria-label="Main">
          {nav.map(([to, label]) => (
            <NavLink key={to} to={to} end={to === '/'}>
              {label}
              {to === '/notifications' && unread > 0 && (
                <>
                  {' '}
                  <span className="badge" aria-label={`${unread} unread`}>
                    {unread}
                  </span>
                </>
              )}
            </NavLink>
          ))}
        </nav>
        <SearchBox />
        <Form method="post" action="/signout" className="inline">
          <button type="submit" className="plain" title={`Signed in as ${me.email}`}>
            Sign out
          </button>
        </Form>
      </header>
      <Outlet context={me} />
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className="toast">
            {t.text}
          </div>
        ))}
      </div>
    </>
  );
}

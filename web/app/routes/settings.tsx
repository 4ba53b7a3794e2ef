import { data, Form, useActionData, useLoaderData } from 'react-router';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from 'react-router';
import { apiClient, issuesOf, passCookies } from '../lib/api.server.ts';
import { formatInstant } from '../lib/format.ts';
import { FieldError } from '../ui.tsx';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Settings · todo' }];

interface Session {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent?: string;
  current: boolean;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const api = apiClient(request, context);
  const [me, sessions] = await Promise.all([
    api.need<Me>('/api/me'),
    api.call<{ sessions: Session[] }>('GET', '/api/auth/sessions'),
  ]);
  return { me, sessions: sessions.ok ? sessions.body.sessions : [] };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const api = apiClient(request, context);
  if (form.get('intent') === 'end-session') {
    const r = await api.call('DELETE', `/api/auth/sessions/${encodeURIComponent(String(form.get('id')))}`);
    return data({ issues: issuesOf(r.error), saved: false }, { status: r.ok ? 200 : r.status });
  }
  const r = await api.call('PATCH', '/api/me', { tz: String(form.get('tz') ?? '') });
  // With the cookie, the API re-issues it with the new zone: pass it on.
  if (!r.ok) return data({ issues: issuesOf(r.error), saved: false }, { status: r.status });
  return data({ issues: {} as Record<string, string>, saved: true }, { headers: passCookies(r.headers) });
}

export default function Settings() {
  const { me, sessions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <main className="page narrow" id="main">
      <h1>Settings</h1>
      <p>Signed in as {me.email}.</p>
      <Form method="post">
        <div className="field">
          <label htmlFor="tz">Time zone</label>
          <input id="tz" name="tz" defaultValue={me.tz} required aria-describedby="tz-hint" />
          <span id="tz-hint" className="muted">
            An IANA zone such as Europe/Berlin; dates without a zone of their own are read in it.
          </span>
          <FieldError id="tz-error" text={result?.issues.tz ?? result?.issues.form} />
        </div>
        {result?.saved && (
          <p className="ok" role="status">
            Saved.
          </p>
        )}
        <button type="submit">Save</button>
      </Form>
      <h2>Where you are signed in</h2>
      <ul className="plain">
        {sessions.map((s) => (
          <li key={s.id} className="card">
            <div className="row">
              <div className="grow">
                {s.current ? <strong>This browser</strong> : (s.userAgent ?? 'Unknown browser').slice(0, 80)}
                <div className="muted">
                  Signed in {formatInstant(s.createdAt, me.tz)}, last seen{' '}
                  {formatInstant(s.lastSeenAt, me.tz)}
                </div>
              </div>
              {!s.current && (
                <Form method="post">
                  <input type="hidden" name="id" value={s.id} />
                  <button type="submit" name="intent" value="end-session" className="plain">
                    Sign out there
                  </button>
                </Form>
              )}
            </div>
          </li>
        ))}
      </ul>
      <Form method="post" action="/signout">
        <input type="hidden" name="everywhere" value="1" />
        <p>Sign out on every device and browser where you are signed in, this one included.</p>
        <button type="submit">Sign out everywhere</button>
      </Form>
    </main>
  );
}

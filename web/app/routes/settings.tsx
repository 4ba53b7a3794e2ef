import {
  data,
  Form,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from 'react-router';
import { apiClient, issuesOf } from '../lib/api.server.ts';
import { FieldError } from '../ui.tsx';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Settings · todo' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  return { me: await apiClient(request, context).need<Me>('/api/me') };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const r = await apiClient(request, context).call('PATCH', '/api/me', { tz: String(form.get('tz') ?? '') });
  if (!r.ok) return data({ issues: issuesOf(r.error), saved: false }, { status: r.status });
  return { issues: {} as Record<string, string>, saved: true };
}

export default function Settings() {
  const { me } = useLoaderData<typeof loader>();
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
      <h2>Sessions</h2>
      <Form method="post" action="/signout">
        <input type="hidden" name="everywhere" value="1" />
        <p>Sign out on every device and browser where you are signed in, this one included.</p>
        <button type="submit">Sign out everywhere</button>
      </Form>
    </main>
  );
}

import { Form, Link, useLoaderData } from 'react-router';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from 'react-router';
import { apiClient } from '../lib/api.server.ts';
import { formatInstant } from '../lib/format.ts';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Notifications · todo' }];

interface Notification {
  id: string;
  kind: 'reminder' | 'due';
  taskId: string;
  title: string;
  time: string;
  read: boolean;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const api = apiClient(request, context);
  const [me, inbox] = await Promise.all([
    api.need<Me>('/api/me'),
    api.need<{ notifications: Notification[]; unread: number }>('/api/notifications?limit=50'),
  ]);
  return { tz: me.tz, ...inbox };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const id = form.get('id');
  const path = id
    ? `/api/notifications/${encodeURIComponent(String(id))}/read`
    : '/api/notifications/read-all';
  const r = await apiClient(request, context).call('POST', path);
  return { error: r.ok ? null : (r.error?.message ?? 'failed') };
}

/** The inbox; new ones arrive live (the frame's stream revalidates this page and shows a toast). */
export default function Notifications() {
  const { notifications, unread, tz } = useLoaderData<typeof loader>();
  return (
    <main className="page" id="main">
      <h1>Notifications</h1>
      <div className="row">
        <p className="grow">{unread} unread</p>
        {unread > 0 && (
          <Form method="post">
            <button type="submit">Mark all read</button>
          </Form>
        )}
      </div>
      {notifications.length === 0 && <p>Nothing yet. Reminders show up here the moment they ring.</p>}
      <ul className="plain">
        {notifications.map((n) => (
          <li key={n.id} className="card">
            <div className="row">
              <div className="grow">
                {!n.read && <strong>New · </strong>}
                {n.kind === 'reminder' ? 'Reminder' : 'Due'}: <Link to={`/tasks/${n.taskId}`}>{n.title}</Link>
                <div className="muted">{formatInstant(n.time, tz)}</div>
              </div>
              {!n.read && (
                <Form method="post">
                  <input type="hidden" name="id" value={n.id} />
                  <button type="submit" className="plain" aria-label={`Mark read: ${n.title}`}>
                    Mark read
                  </button>
                </Form>
              )}
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}

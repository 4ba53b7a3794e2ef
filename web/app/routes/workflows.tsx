import { data, Form, Link, useActionData, useLoaderData } from 'react-router';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from 'react-router';
import { apiClient } from '../lib/api.server.ts';
import { formatInstant } from '../lib/format.ts';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Workflows · todo' }];

interface WorkflowInfo {
  id: string;
  kind: 'reminder' | 'series';
  taskId: string;
  title: string;
  status: string;
  nextAt?: string;
  paused?: boolean;
  detail?: string;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const api = apiClient(request, context);
  const [me, list] = await Promise.all([
    api.need<Me>('/api/me'),
    api.need<{ workflows: WorkflowInfo[] } | WorkflowInfo[]>('/api/workflows'),
  ]);
  return { tz: me.tz, workflows: Array.isArray(list) ? list : list.workflows };
}

const ACTIONS = ['pause', 'resume', 'skip', 'cancel', 'snooze'] as const;

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get('intent'));
  const id = encodeURIComponent(String(form.get('id')));
  if (!ACTIONS.includes(intent as (typeof ACTIONS)[number]))
    return data({ error: 'unknown action' }, { status: 400 });
  const body = intent === 'snooze' ? { minutes: Number(form.get('minutes') || 10) } : undefined;
  const r = await apiClient(request, context).call('POST', `/api/workflows/${id}/${intent}`, body);
  if (!r.ok) return data({ error: r.error?.message ?? 'failed' }, { status: r.status });
  return { error: null };
}

export default function Workflows() {
  const { workflows, tz } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <main className="page" id="main">
      <h1>Workflows</h1>
      <p className="muted">Your reminders and repeating series, soonest first. Times in {tz}.</p>
      {result?.error && (
        <p className="error" role="alert">
          {result.error}
        </p>
      )}
      {workflows.length === 0 && <p>No reminders or series yet.</p>}
      {workflows.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Status</th>
              <th scope="col">Next</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link to={`/tasks/${w.taskId}`}>{w.title}</Link>
                  <div className="muted">
                    {w.kind}
                    {w.detail ? ` · ${w.detail}` : ''}
                  </div>
                </td>
                <td>{w.paused ? 'paused' : w.status}</td>
                <td>{formatInstant(w.nextAt, tz) || '—'}</td>
                <td>
                  <Form method="post" className="row">
                    <input type="hidden" name="id" value={w.id} />
                    {w.kind === 'series' ? (
                      <>
                        {w.paused ? (
                          <Act intent="resume" title={w.title} />
                        ) : (
                          <Act intent="pause" title={w.title} />
                        )}
                        <Act intent="skip" title={w.title} label="Skip next" />
                        <Act intent="cancel" title={w.title} label="End" />
                      </>
                    ) : (
                      <>
                        <input type="hidden" name="minutes" value="10" />
                        <Act intent="snooze" title={w.title} label="Snooze 10 min" />
                        <Act intent="cancel" title={w.title} />
                      </>
                    )}
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function Act({ intent, title, label }: { intent: string; title: string; label?: string }) {
  const text = label ?? intent[0]!.toUpperCase() + intent.slice(1);
  return (
    <button type="submit" name="intent" value={intent} className="plain" aria-label={`${text}: ${title}`}>
      {text}
    </button>
  );
}

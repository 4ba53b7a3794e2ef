import { useState } from 'react';
import {
  data,
  Form,
  useFetcher,
  useLoaderData,
  useSearchParams,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from 'react-router';
import { apiClient } from '../lib/api.server.ts';
import { completions } from '../lib/complete.ts';
import { PRIORITIES, type TaskView } from '../lib/format.ts';
import { GROUPS, grouper, slim, withRule, type Group } from '../lib/tasks.server.ts';
import { readViews, viewsCookie } from '../lib/views.server.ts';
import { TaskCard, Options } from '../ui.tsx';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Board · todo' }];

const SORTS = [
  ['due', 'Due date'],
  ['-priority', 'Priority, highest first'],
  ['created', 'Created, oldest first'],
  ['-created', 'Created, newest first'],
  ['-updated', 'Recently changed'],
  ['title', 'Title'],
] as const;

/** The board shows this many tasks at most; a filter narrows a longer list. */
const BOARD_LIMIT = 500;

type TaskPage = { tasks: TaskView[]; query: string; next?: string };

/** The API's pages (200 at most each) followed until `limit` tasks or the last page. */
async function listUpTo(api: ReturnType<typeof apiClient>, q: string, sort: string, limit: number) {
  const first = await api.call<TaskPage>(
    'GET',
    `/api/tasks?${new URLSearchParams({ q, sort, limit: '200' })}`,
  );
  if (!first.ok) return first;
  const tasks = [...first.body.tasks];
  let next = first.body.next;
  while (next && tasks.length < limit) {
    const params = new URLSearchParams({
      q,
      sort,
      cursor: next,
      limit: String(Math.min(200, limit - tasks.length)),
    });
    const page = await api.call<TaskPage>('GET', `/api/tasks?${params}`);
    if (!page.ok) return page;
    tasks.push(...page.body.tasks);
    next = page.body.next;
  }
  return { ...first, body: { ...first.body, tasks, next } };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const q = url.searchParams.get('q') ?? 'status:open';
  const sort = url.searchParams.get('sort') ?? 'due';
  const api = apiClient(request, context);
  const [me, list, tags] = await Promise.all([
    api.need<Me>('/api/me'),
    listUpTo(api, q, sort, BOARD_LIMIT),
    api.call<{ tags: { tag: string; count: number }[] }>('GET', '/api/tags'),
  ]);
  const views = readViews(request);
  const base = { q, sort, views, tags: tags.ok ? tags.body.tags.map((t) => t.tag) : [], tz: me.tz };
  if (!list.ok) {
    const issue = list.error?.details?.[0]?.issue ?? list.error?.message ?? 'the list failed';
    const position = Number(/^at (\d+)/.exec(issue)?.[1] ?? NaN);
    return data(
      { ...base, groups: [], error: { issue, position: Number.isNaN(position) ? null : position } },
      { status: list.status === 401 ? 401 : 200 },
    );
  }
  const now = new Date();
  const byGroup = new Map<Group, TaskView[]>();
  const groupOf = grouper(me.tz, now);
  for (const t of list.body.tasks) {
    const g = groupOf(t);
    const group = byGroup.get(g) ?? [];
    group.push(slim(withRule(t, me.tz, now)));
    byGroup.set(g, group);
  }
  const groups = GROUPS.map((g) => ({ ...g, tasks: byGroup.get(g.key) ?? [] })).filter((g) => g.tasks.length);
  return { ...base, groups, error: null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get('intent'));
  const api = apiClient(request, context);
  if (intent === 'save-view' || intent === 'delete-view') {
    const name = String(form.get('name') ?? '')
      .trim()
      .slice(0, 40);
    const views = readViews(request).filter((v) => v.name !== name);
    if (intent === 'save-view' && name)
      views.unshift({ name, q: String(form.get('q') ?? ''), sort: String(form.get('sort') ?? 'due') });
    return data({ ok: true, error: null }, { headers: { 'set-cookie': viewsCookie(views) } });
  }
  const id = encodeURIComponent(String(form.get('id')));
  const ifMatch = { 'if-match': `"${String(form.get('version'))}"` };
  const res =
    intent === 'complete' || intent === 'reopen'
      ? await api.call('POST', `/api/tasks/${id}/${intent}`, undefined, ifMatch)
      : intent === 'edit'
        ? await api.call(
            'PATCH',
            `/api/tasks/${id}`,
            {
              priority: form.get('priority'),
              tags: String(form.get('tags') ?? '')
                .split(/[\s,]+/)
                .filter(Boolean),
            },
            ifMatch,
          )
        : undefined;
  if (!res) return data({ ok: false, error: 'unknown action' }, { status: 400 });
  if (!res.ok)
    return data(
      { ok: false, error: res.error?.details?.[0]?.issue ?? res.error?.message ?? 'failed' },
      { status: res.status },
    );
  return { ok: true, error: null };
}

export default function Board() {
  const { q, sort, views, tags, groups, error } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const [text, setText] = useState(q);
  const options = completions(text, tags);
  return (
    <main className="page" id="main">
      <h1>Board</h1>
      <Form method="get" className="row" role="search" aria-label="Filter tasks">
        <div className="grow">
          <label htmlFor="q">Filter (query language)</label>
          <input
            id="q"
            name="q"
            list="q-completions"
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'q-error' : 'q-hint'}
          />
          <datalist id="q-completions">
            {options.map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="sort">Sort</label>
          <select id="sort" name="sort" defaultValue={sort}>
            <Options choices={SORTS} />
          </select>
        </div>
        <button type="submit">Apply</button>
      </Form>
      {error ? (
        <div id="q-error" className="error" role="alert">
          <p>That filter does not parse: {error.issue}</p>
          {error.position !== null && (
            <pre aria-hidden="true">
              {q}
              {'\n'}
              {' '.repeat(error.position)}^
            </pre>
          )}
        </div>
      ) : (
        <p id="q-hint" className="muted">
          e.g. <code>priority&gt;=medium due&lt;+7d</code>, <code>#home OR #work</code>,{' '}
          <code>is:recurring</code>
        </p>
      )}
      <SavedViews views={views} q={params.get('q') ?? q} sort={sort} />
      {!error && groups.length === 0 && <p>No tasks match.</p>}
      {groups.map((g) => (
        <section key={g.key} aria-labelledby={`group-${g.key}`}>
          <h2 id={`group-${g.key}`}>
            {g.title} <span className="muted">({g.tasks.length})</span>
          </h2>
          {g.tasks.map((t) => (
            <TaskCard key={t.id} task={t}>
              <InlineEdit task={t} />
            </TaskCard>
          ))}
        </section>
      ))}
    </main>
  );
}

function SavedViews({
  views,
  q,
  sort,
}: {
  views: { name: string; q: string; sort: string }[];
  q: string;
  sort: string;
}) {
  return (
    <details>
      <summary>Saved views{views.length ? ` (${views.length})` : ''}</summary>
      <ul className="plain">
        {views.map((v) => (
          <li key={v.name}>
            <a href={`/board?${new URLSearchParams({ q: v.q, sort: v.sort })}`}>{v.name}</a>{' '}
            <Form method="post" className="inline">
              <input type="hidden" name="name" value={v.name} />
              <button
                type="submit"
                name="intent"
                value="delete-view"
                className="plain"
                aria-label={`Delete view ${v.name}`}
              >
                ×
              </button>
            </Form>
          </li>
        ))}
      </ul>
      <Form method="post" className="row">
        <input type="hidden" name="q" value={q} />
        <input type="hidden" name="sort" value={sort} />
        <div className="grow">
          <label htmlFor="view-name">Save this filter as</label>
          <input id="view-name" name="name" required maxLength={40} />
        </div>
        <button type="submit" name="intent" value="save-view">
          Save view
        </button>
      </Form>
    </details>
  );
}

/**
 * Complete, priority and tags in place: one small form per task (it works without JavaScript too); with
 * JavaScript a new priority is saved as soon as it is picked.
 */
function InlineEdit({ task }: { task: TaskView }) {
  const fetcher = useFetcher<{ ok: boolean; error: string | null }>();
  const done = task.status !== 'open';
  return (
    <fetcher.Form method="post" className="edit">
      <input type="hidden" name="id" value={task.id} />
      <input type="hidden" name="version" value={task.version} />
      <button
        type="submit"
        name="intent"
        value={done ? 'reopen' : 'complete'}
        aria-label={`${done ? 'Reopen' : 'Complete'} ${task.title}`}
      >
        {done ? 'Reopen' : 'Complete'}
      </button>
      <select
        name="priority"
        aria-label={`Priority of ${task.title}`}
        defaultValue={task.priority}
        onChange={(e) => {
          const body = new FormData(e.currentTarget.form!);
          body.set('intent', 'edit');
          void fetcher.submit(body, { method: 'post' });
        }}
      >
        {PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {p === 'none' ? 'no priority' : p}
          </option>
        ))}
      </select>
      <input name="tags" aria-label={`Tags of ${task.title}`} defaultValue={task.tags.join(' ')} size={14} />
      <button
        type="submit"
        name="intent"
        value="edit"
        className="plain"
        aria-label={`Save priority and tags of ${task.title}`}
      >
        Save
      </button>
      {fetcher.data?.error && (
        <span className="error" role="alert">
          {fetcher.data.error}
        </span>
      )}
    </fetcher.Form>
  );
}

import { Form, Link, useLoaderData } from 'react-router';
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from 'react-router';
import { DateTime } from 'luxon';
import { occurrences } from '@todo/core';
import { apiClient } from '../lib/api.server.ts';
import type { TaskView } from '../lib/format.ts';
import { ruleOf } from '../lib/tasks.server.ts';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Calendar · todo' }];

interface Entry {
  /** Local wall date and optional time. */
  date: string;
  time?: string;
  taskId: string;
  title: string;
  /** An occurrence the series will make (not a task yet). */
  planned: boolean;
}

/** Dues in [from, to) and every series' occurrences in it, expanded with @todo/core's recurrence engine. */
function entries(tasks: TaskView[], ownerZone: string, from: DateTime, to: DateTime): Entry[] {
  const seen = new Set<string>();
  const out: Entry[] = [];
  const add = (e: Entry, key: string) => {
    if (e.date < from.toISODate()! || e.date >= to.toISODate()! || seen.has(key)) return;
    seen.add(key);
    out.push(e);
  };
  for (const t of tasks) {
    if (!t.due) continue;
    const series = t.seriesId ?? t.id;
    add(
      {
        date: t.due.date,
        ...(t.due.time ? { time: t.due.time } : {}),
        taskId: t.id,
        title: t.title,
        planned: false,
      },
      `${series}|${t.due.date}`,
    );
    const rule = ruleOf(t, ownerZone);
    if (!rule || t.recurrence?.paused || t.status !== 'open') continue;
    try {
      const after = `${t.due.date}T${t.due.time ?? '23:59'}`;
      for (const o of occurrences(rule, { after, count: 120 })) {
        const [date, time] = o.local.split('T') as [string, string | undefined];
        if (date >= to.toISODate()!) break;
        add(
          { date, ...(time ? { time: time.slice(0, 5) } : {}), taskId: t.id, title: t.title, planned: true },
          `${series}|${date}`,
        );
      }
    } catch {
      // A rule the engine refuses shows only its stored due.
    }
  }
  return out.sort((a, b) => `${a.date}${a.time ?? ''}`.localeCompare(`${b.date}${b.time ?? ''}`));
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const api = apiClient(request, context);
  const [me, list, feed] = await Promise.all([
    api.need<Me>('/api/me'),
    api.need<{ tasks: TaskView[] }>(
      `/api/tasks?${new URLSearchParams({ q: 'has:due', sort: 'due', limit: '200' })}`,
    ),
    api.call<{ url: string; path: string }>('GET', '/api/calendar/feed'),
  ]);
  const today = DateTime.now().setZone(me.tz).startOf('day');
  const asked = DateTime.fromFormat(url.searchParams.get('month') ?? '', 'yyyy-MM', { zone: me.tz });
  const month = (asked.isValid ? asked : today).startOf('month');
  const view = url.searchParams.get('view') === 'agenda' ? 'agenda' : 'month';
  const [from, to] =
    view === 'agenda'
      ? [today, today.plus({ days: 31 })]
      : [month.startOf('week'), month.endOf('month').endOf('week').plus({ days: 1 }).startOf('day')];
  return {
    view,
    month: month.toFormat('yyyy-MM'),
    monthTitle: month.toFormat('LLLL yyyy'),
    prev: month.minus({ months: 1 }).toFormat('yyyy-MM'),
    next: month.plus({ months: 1 }).toFormat('yyyy-MM'),
    today: today.toISODate()!,
    from: from.toISODate()!,
    days: Math.round(to.diff(from, 'days').days),
    entries: entries(list.tasks, me.tz, from, to),
    // The API names its own origin (daprd's, in the stack): the browser's origin is this request's.
    feed: feed.ok ? new URL(feed.body.path, request.url).href : null,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const r = await apiClient(request, context).call<{ url: string }>('POST', '/api/calendar/feed/rotate');
  return { rotated: r.ok };
}

export default function Calendar() {
  const d = useLoaderData<typeof loader>();
  const byDate = new Map<string, Entry[]>();
  for (const e of d.entries) byDate.set(e.date, [...(byDate.get(e.date) ?? []), e]);
  const days = Array.from({ length: d.days }, (_, i) =>
    DateTime.fromISO(d.from).plus({ days: i }).toISODate()!,
  );
  const weeks = Array.from({ length: Math.ceil(days.length / 7) }, (_, w) => days.slice(w * 7, w * 7 + 7));
  return (
    <main className="page" id="main">
      <h1>Calendar</h1>
      <nav className="row" aria-label="Calendar views">
        <Link to={`?view=month&month=${d.month}`} aria-current={d.view === 'month' ? 'page' : undefined}>
          Month
        </Link>
        <Link to="?view=agenda" aria-current={d.view === 'agenda' ? 'page' : undefined}>
          Agenda
        </Link>
      </nav>
      {d.view === 'month' ? (
        <>
          <div className="row">
            <Link to={`?month=${d.prev}`} aria-label="Previous month">
              ←
            </Link>
            <h2 style={{ margin: 0 }}>{d.monthTitle}</h2>
            <Link to={`?month=${d.next}`} aria-label="Next month">
              →
            </Link>
          </div>
          <table className="month">
            <thead>
              <tr>
                {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((n) => (
                  <th key={n} scope="col">
                    {n}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {weeks.map((week) => (
                <tr key={week[0]}>
                  {week.map((day) => (
                    <td
                      key={day}
                      className={[
                        day.slice(0, 7) !== d.month ? 'other' : '',
                        day === d.today ? 'today' : '',
                      ].join(' ')}
                    >
                      <div>{Number(day.slice(8))}</div>
                      {(byDate.get(day) ?? []).map((e) => (
                        <div key={e.taskId + e.date}>
                          <Link to={`/tasks/${e.taskId}`}>
                            {e.time && <span className="hide-phone">{e.time} </span>}
                            {e.title}
                          </Link>
                        </div>
                      ))}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <ul className="plain">
          {d.entries.length === 0 && <li>Nothing due in the next 31 days.</li>}
          {d.entries.map((e) => (
            <li key={e.taskId + e.date} className="card">
              <strong>{DateTime.fromISO(e.date).toFormat('ccc d LLL')}</strong> {e.time}{' '}
              <Link to={`/tasks/${e.taskId}`}>{e.title}</Link>
              {e.planned && <span className="muted"> (planned)</span>}
            </li>
          ))}
        </ul>
      )}
      <h2>Subscribe</h2>
      {d.feed ? (
        <>
          <label htmlFor="feed">Your private calendar feed (iCalendar); add it to any calendar app</label>
          <input id="feed" readOnly value={d.feed} onFocus={(e) => e.currentTarget.select()} />
          <Form method="post" style={{ marginTop: '0.5rem' }}>
            <p className="muted">
              Anyone with this address can read your tasks. Rotate it to stop the old one working.
            </p>
            <button type="submit">Rotate the feed address</button>
          </Form>
        </>
      ) : (
        <p className="muted">The calendar feed is not available.</p>
      )}
    </main>
  );
}

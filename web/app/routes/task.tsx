import { useRef } from 'react';
import {
  data,
  Form,
  Link,
  redirect,
  useActionData,
  useFetcher,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from 'react-router';
import { DateTime } from 'luxon';
import { apiClient, issuesOf } from '../lib/api.server.ts';
import { formatInstant, formatLocal, PRIORITIES, type TaskView } from '../lib/format.ts';
import { FREQS, joinRule, splitRule, WEEKDAYS } from '../lib/rule.ts';
import { withRule } from '../lib/tasks.server.ts';
import { FieldError, Options } from '../ui.tsx';
import type { Me } from './app.tsx';

export const meta: MetaFunction<typeof loader> = ({ loaderData }) => [
  { title: `${loaderData?.task.title ?? 'Task'} · todo` },
];

const OFFSETS = [
  ['-PT5M', '5 minutes before'],
  ['-PT15M', '15 minutes before'],
  ['-PT1H', '1 hour before'],
  ['-P1D', '1 day before'],
  ['PT0S', 'at the due time'],
] as const;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const api = apiClient(request, context);
  const [me, task] = await Promise.all([
    api.need<Me>('/api/me'),
    api.need<TaskView>(`/api/tasks/${encodeURIComponent(params.id!)}`),
  ]);
  return { me, task: withRule(task, me.tz, new Date(), 5) };
}

interface Preview {
  text: string;
  dates: string[];
}
type ActionResult = { issues: Record<string, string>; preview?: Preview; saved?: boolean };

/** The rule the editor's fields say: the typed RRULE wins over the simple fields. */
function ruleFrom(form: FormData): string {
  const raw = String(form.get('rrule') ?? '').trim();
  if (raw) return raw;
  return joinRule(
    String(form.get('freq') ?? ''),
    Number(form.get('interval') || 1),
    form.getAll('byday').map(String),
  );
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get('intent') ?? 'save');
  const api = apiClient(request, context);
  const id = encodeURIComponent(params.id!);
  const ifMatch = { 'if-match': `"${String(form.get('version'))}"` };
  if (intent === 'delete') {
    const r = await api.call('DELETE', `/api/tasks/${id}`, undefined, ifMatch);
    if (r.ok) return redirect('/board');
    return data<ActionResult>({ issues: issuesOf(r.error) }, { status: r.status });
  }
  if (intent === 'complete' || intent === 'reopen') {
    const r = await api.call('POST', `/api/tasks/${id}/${intent}`, undefined, ifMatch);
    return data<ActionResult>({ issues: issuesOf(r.error), saved: r.ok }, { status: r.ok ? 200 : r.status });
  }
  const me = await api.need<Me>('/api/me');
  const date = String(form.get('date') ?? '');
  const time = String(form.get('time') ?? '');
  const tz = String(form.get('tz') ?? '').trim();
  const rrule = ruleFrom(form);
  if (intent === 'preview') {
    if (!rrule)
      return { issues: {}, preview: { text: 'Does not repeat.', dates: [] } } satisfies ActionResult;
    const dtstart = date
      ? time
        ? `${date}T${time}`
        : date
      : DateTime.now()
          .setZone(tz || me.tz)
          .toISODate()!;
    const r = await api.call<{ text: string; occurrences: { local: string }[] }>(
      'POST',
      '/api/recurrence/preview',
      {
        rrule,
        dtstart,
        tz: tz || me.tz,
        count: 5,
      },
    );
    if (!r.ok) return data<ActionResult>({ issues: issuesOf(r.error) }, { status: 200 });
    return {
      issues: {},
      preview: { text: r.body.text, dates: r.body.occurrences.map((o) => o.local) },
    } satisfies ActionResult;
  }
  // Reminders: those kept, plus one new relative or absolute one (the absolute time read in the task's zone).
  const keep = new Set(form.getAll('keep-reminder').map(String));
  const current = JSON.parse(String(form.get('reminders') ?? '[]')) as TaskView['reminders'];
  const reminders: Record<string, string>[] = current
    .filter((r) => keep.has(r.id))
    .map((r) => ({ id: r.id, ...(r.offset ? { offset: r.offset } : {}), ...(r.at ? { at: r.at } : {}) }));
  const offset = String(form.get('new-offset') ?? '');
  const at = String(form.get('new-at') ?? '');
  if (offset) reminders.push({ offset });
  if (at) {
    const instant = DateTime.fromISO(at, { zone: tz || me.tz });
    reminders.push({ at: instant.isValid ? instant.toUTC().toISO({ suppressMilliseconds: true })! : at });
  }
  const recurrence = rrule ? { rrule, mode: String(form.get('mode') || 'schedule') } : null;
  const patch = {
    title: String(form.get('title') ?? ''),
    notes: String(form.get('notes') ?? '') || null,
    priority: String(form.get('priority') ?? 'none'),
    tags: String(form.get('tags') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean),
    due: date ? { date, ...(time ? { time } : {}), ...(tz ? { tz } : {}) } : null,
    reminders,
    recurrence,
  };
  const r = await api.call('PATCH', `/api/tasks/${id}`, patch, ifMatch);
  if (!r.ok) return data<ActionResult>({ issues: issuesOf(r.error) }, { status: r.status });
  return { issues: {}, saved: true } satisfies ActionResult;
}

export default function TaskPage() {
  const { task, me } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const preview = useFetcher<ActionResult>();
  const form = useRef<HTMLFormElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const issues: Record<string, string> = result?.issues ?? {};
  const { simple, raw } = splitRule(task.recurrence?.rrule);
  const zone = task.due?.tz ?? me.tz;
  // Preview the rule as it is typed (debounced): the same action as the Preview button.
  const onRuleInput = () => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      if (!form.current) return;
      const body = new FormData(form.current);
      body.set('intent', 'preview');
      void preview.submit(body, { method: 'post' });
    }, 250);
  };
  const shown = preview.data?.preview ?? result?.preview;
  const previewIssue = preview.data?.issues.rrule ?? preview.data?.issues.form ?? issues.rrule;
  return (
    <main className="page" id="main">
      <p>
        <Link to="/board">← Board</Link>
      </p>
      <h1>{task.title}</h1>
      <p className="muted">
        {task.status}
        {task.seriesId && ' · part of a series'}
      </p>
      {result?.saved && (
        <p className="ok" role="status">
          Saved.
        </p>
      )}
      <FieldError id="form-error" text={issues.form} />
      <Form method="post" ref={form} onChange={onRuleInput}>
        <input type="hidden" name="version" value={task.version} />
        <input type="hidden" name="reminders" value={JSON.stringify(task.reminders)} />
        <div className="field">
          <label htmlFor="title">Title</label>
          <input id="title" name="title" defaultValue={task.title} required maxLength={500} />
          <FieldError id="title-error" text={issues.title} />
        </div>
        <div className="row">
          <div className="field grow">
            <label htmlFor="date">Due date</label>
            <input id="date" name="date" type="date" defaultValue={task.due?.date} />
            <FieldError id="date-error" text={issues['due.date'] ?? issues.due} />
          </div>
          <div className="field">
            <label htmlFor="time">Time</label>
            <input id="time" name="time" type="time" defaultValue={task.due?.time} />
          </div>
          <div className="field grow">
            <label htmlFor="tz">Time zone</label>
            <input id="tz" name="tz" defaultValue={task.due?.tz ?? ''} placeholder={`${me.tz} (yours)`} />
            <FieldError id="tz-error" text={issues['due.tz']} />
          </div>
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="priority">Priority</label>
            <select id="priority" name="priority" defaultValue={task.priority}>
              {PRIORITIES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </div>
          <div className="field grow">
            <label htmlFor="tags">Tags</label>
            <input id="tags" name="tags" defaultValue={task.tags.join(' ')} />
            <FieldError id="tags-error" text={issues.tags ?? issues['tags.0']} />
          </div>
        </div>
        <div className="field">
          <label htmlFor="notes">Notes</label>
          <textarea id="notes" name="notes" rows={3} defaultValue={task.notes ?? ''} />
        </div>
        <fieldset>
          <legend>Reminders</legend>
          {task.reminders.length === 0 && <p className="muted">None yet.</p>}
          {task.reminders.map((r) => (
            <div key={r.id}>
              <input type="checkbox" id={`keep-${r.id}`} name="keep-reminder" value={r.id} defaultChecked />
              <label htmlFor={`keep-${r.id}`} style={{ display: 'inline', fontWeight: 400 }}>
                {' '}
                {r.at
                  ? `at ${formatInstant(r.at, zone)}`
                  : (OFFSETS.find(([o]) => o === r.offset)?.[1] ?? r.offset)}
                {r.snoozedUntil && ` (snoozed until ${formatInstant(r.snoozedUntil, zone)})`}
              </label>
            </div>
          ))}
          <div className="row">
            <div className="field">
              <label htmlFor="new-offset">Add, relative to due</label>
              <select id="new-offset" name="new-offset" defaultValue="">
                <option value="">—</option>
                <Options choices={OFFSETS} />
              </select>
            </div>
            <div className="field grow">
              <label htmlFor="new-at">Add, at a time ({zone})</label>
              <input id="new-at" name="new-at" type="datetime-local" step={1} />
            </div>
          </div>
          <FieldError
            id="reminders-error"
            text={Object.entries(issues).find(([k]) => k.startsWith('reminders'))?.[1]}
          />
        </fieldset>
        <fieldset onInput={onRuleInput}>
          <legend>Repeats</legend>
          <div className="row">
            <div className="field">
              <label htmlFor="freq">Every</label>
              <select id="freq" name="freq" defaultValue={simple?.freq ?? ''}>
                <option value="">does not repeat</option>
                {FREQS.map((f) => (
                  <option key={f} value={f}>
                    {f.toLowerCase().replace('ily', 'y').replace(/ly$/, '')}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="interval">Interval</label>
              <input
                id="interval"
                name="interval"
                type="number"
                min={1}
                max={999}
                defaultValue={simple?.interval ?? 1}
              />
            </div>
            <div className="field">
              <label htmlFor="mode">Mode</label>
              <select id="mode" name="mode" defaultValue={task.recurrence?.mode ?? 'schedule'}>
                <option value="schedule">on a schedule</option>
                <option value="after-completion">after completion</option>
              </select>
            </div>
          </div>
          <div role="group" aria-label="On weekdays" className="row">
            {WEEKDAYS.map((d) => (
              <label key={d} style={{ fontWeight: 400 }}>
                <input type="checkbox" name="byday" value={d} defaultChecked={simple?.byday.includes(d)} />{' '}
                {d}
              </label>
            ))}
          </div>
          <div className="field">
            <label htmlFor="rrule">Or an RFC 5545 rule</label>
            <input
              id="rrule"
              name="rrule"
              defaultValue={raw}
              placeholder="FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1"
              spellCheck={false}
            />
          </div>
          <div aria-live="polite" id="preview">
            {previewIssue && <p className="error">{previewIssue}</p>}
            {shown && !previewIssue && (
              <>
                <p>{shown.text}</p>
                {shown.dates.length > 0 && (
                  <ol>
                    {shown.dates.map((d) => (
                      <li key={d}>{formatLocal(d)}</li>
                    ))}
                  </ol>
                )}
              </>
            )}
            {!shown && task.rule && (
              <p>
                {task.rule.text}. Next: {task.rule.next.map(formatLocal).join('; ')}
              </p>
            )}
          </div>
          <button type="submit" name="intent" value="preview" className="plain">
            Preview dates
          </button>
        </fieldset>
        <div className="row">
          <button type="submit" name="intent" value="save">
            Save
          </button>
          <button
            type="submit"
            name="intent"
            value={task.status === 'open' ? 'complete' : 'reopen'}
            className="plain"
          >
            {task.status === 'open' ? 'Mark done' : 'Reopen'}
          </button>
          <button type="submit" name="intent" value="delete" className="plain">
            Delete
          </button>
        </div>
      </Form>
    </main>
  );
}

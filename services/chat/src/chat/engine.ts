import {
  describeRule,
  formatQuery,
  occurrences,
  parseQuery,
  reminderFireTimes,
  timerId,
  type Clock,
  type Task,
  type TaskPatch,
  type WorkflowInfo,
} from '@todo/core';
import type { Principal } from '@todo/server';
import { DateTime, Duration } from 'luxon';
import { parse, parseConfirmation } from '../parse/index.ts';
import type { ClarifyReason, Intent, ParseResult, Reminder } from '../parse/contract.ts';
import { canonicalRef } from '../parse/refs.ts';
import type { Conversation, Pending } from '../conversation/state.ts';
import { TasksApiError, type TasksClient, type WorkflowAction } from '../tasks/client.ts';

/** One message's context: who asks, the tasks API as them, and the conversation (changed in place). */
export interface Turn {
  user: Principal;
  tasks: TasksClient;
  state: Conversation;
}

/** What the engine answers to one message; app.ts adds the conversation id and the tool calls. */
export interface Answer {
  reply: string;
  tasks: Task[];
  query?: string;
}

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];
/** The intents that act on a series, and the management API's action each one is (/api/workflows). */
const SERIES_ACTIONS: Partial<Record<Intent, WorkflowAction>> = {
  pause: 'pause',
  resume: 'resume',
  skip: 'skip',
  'recur-stop': 'cancel',
};
/** The management API's refusals, in words. */
const WORKFLOW_REFUSALS: Record<string, string> = {
  SERIES_ENDED: 'That series has ended: it does not repeat any more.',
  NOTHING_TO_SKIP: 'That series has no next occurrence left to skip.',
};
/** How many tasks one list shows, and how many a bulk command ("delete all done tasks") may touch. */
const LIST_LIMIT = 20;
const BULK_LIMIT = 200;

export const HELP = [
  'I manage your tasks. Try:',
  '- "pay rent on the 1st of every month at 9am #bills" (add; repeats, reminders, priorities, #tags)',
  '- "what is due this week", "search dentist", "show overdue tasks" (list and search)',
  '- "done with the first one", "move it to friday", "rename it to ...", "make it urgent"',
  '- "remind me about it 15 minutes before", "snooze it 10 minutes", "tag it #home"',
  '- "make it repeat every monday", "stop repeating it", "skip the next one"',
  '- "delete the dentist task", "undo"',
].join('\n');

const QUESTIONS: Record<ClarifyReason, string> = {
  empty: 'What would you like to do? Say "help" for examples.',
  'not-understood': 'Sorry, I did not understand that. Say "help" for examples.',
  'ambiguous-date':
    'Do you mean this coming one or the one in the week after? Say the date (e.g. "friday the 27th").',
  'ambiguous-month-day':
    'Not every month has that day: should it skip short months, or use their last day ("the last day of every month")?',
  'ambiguous-frequency': 'On which days? For example "every tuesday and friday".',
  'too-frequent': 'Tasks can repeat at most every hour.',
  'missing-title': 'What is the task? For example "call mom tomorrow at 5".',
  'missing-time': 'When should I remind you? For example "tomorrow at 9am".',
  'missing-date': 'To when? For example "move it to friday".',
  'missing-task': 'Which task? Name it ("the dentist task") or show a list first.',
  'missing-value': 'To what? For example "rename it to call mom" or "tag it #home".',
  'missing-query': 'What should I search for?',
  'relative-to-due':
    'I can not move a task relative to its own date yet: tell me the new date ("move it to friday").',
  'invalid-date': 'That date does not exist: which day do you mean?',
  'new-or-existing':
    'Is that a new task, or a change to one you have? Say "add ..." for a new one, or "make the ... task repeat ..." to change it.',
  'several-times':
    'A repeating task has one time of day: add one task per time (e.g. "take meds every day at 8am").',
};

/** The deterministic engine: a message is parsed, then run as calls on the tasks API. */
export function createEngine({ clock }: { clock: Clock }) {
  const nowIn = (tz: string) => DateTime.fromJSDate(clock.now(), { zone: tz });
  const nowLocal = (tz: string) => nowIn(tz).toFormat("yyyy-MM-dd'T'HH:mm");

  /** Answers one message: a reply to a pending question first, else a new request. */
  async function respond(text: string, turn: Turn): Promise<Answer> {
    const pending = turn.state.pending;
    if (pending) {
      delete turn.state.pending;
      const answered = await answerPending(pending, text, turn);
      if (answered) return answered;
    }
    return execute(parse(text, { now: nowLocal(turn.user.tz), tz: turn.user.tz }), turn);
  }

  async function answerPending(pending: Pending, text: string, turn: Turn): Promise<Answer | null> {
    const yesNo = parseConfirmation(text);
    if (pending.kind === 'confirm' && pending.action !== 'delete') {
      if (yesNo === 'no')
        return {
          reply: pending.action === 'add' ? 'OK, I did not add it.' : 'OK, I left it as it was.',
          tasks: [],
        };
      if (yesNo !== 'yes') return null;
      const request = pending.request;
      return guarded(() =>
        pending.action === 'add' ? add(request, turn, true) : act(request, turn, pending.ids, true),
      );
    }
    if (pending.kind === 'confirm') {
      if (yesNo === 'no') return { reply: 'OK, I left them as they are.', tasks: [] };
      if (yesNo === 'yes') return guarded(() => remove(pending.ids, turn));
      return null;
    }
    if (yesNo === 'no') return { reply: 'OK, never mind.', tasks: [] };
    const picked = pickOption(text, pending.options.length);
    if (picked === null) return null;
    const option = pending.options[picked];
    if (!option) return null;
    return guarded(() => act(pending.request, turn, [option.id]));
  }

  /** Runs one request: the parser's, or one the LLM made with the same tools. */
  async function execute(request: ParseResult, turn: Turn): Promise<Answer> {
    return guarded(() => run(request, turn));
  }

  async function run(r: ParseResult, turn: Turn): Promise<Answer> {
    switch (r.intent) {
      case 'help':
        return { reply: HELP, tasks: [] };
      case 'clarify':
        return { reply: QUESTIONS[r.reason ?? 'not-understood'], tasks: [] };
      case 'undo':
        return undo(turn);
      case 'add':
        return add(r, turn);
      case 'list':
      case 'search':
        return r.text ? find(r.query ?? r.text, r.sort, turn) : list(r.query ?? 'is:open', r.sort, turn);
      default:
        return act(r, turn);
    }
  }

  async function add(r: ParseResult, turn: Turn, confirmed = false): Promise<Answer> {
    if (!r.title) return { reply: QUESTIONS['missing-title'], tasks: [] };
    if (r.recurrence && r.due && !confirmed) {
      // A misread rule is easy to miss once saved: it is shown in words, with its next dates, first.
      const rule = ruleText(recurrenceInput(r.recurrence, r.due), r.due, turn.user.tz);
      const question = `Add "${r.title}", repeating ${rule}? (yes/no)`;
      turn.state.pending = { kind: 'confirm', question, action: 'add', request: r };
      return { reply: question, tasks: [] };
    }
    const task = await turn.tasks.create({
      title: r.title,
      ...(r.priority ? { priority: r.priority } : {}),
      ...(r.tags ? { tags: r.tags } : {}),
      ...(r.due ? { due: r.due } : {}),
      ...(r.reminders ? { reminders: r.reminders.map((x) => reminderInput(x, turn.user.tz)) } : {}),
      ...(r.recurrence && r.due ? { recurrence: recurrenceInput(r.recurrence, r.due) } : {}),
    });
    turn.state.focus = [task.id];
    turn.state.last = { kind: 'created', ids: [task.id] };
    return { reply: `Added ${describeTask(task, turn.user.tz)}.`, tasks: [task] };
  }

  async function list(q: string, sort: string | undefined, turn: Turn): Promise<Answer> {
    const page = await turn.tasks.list(q, sort, LIST_LIMIT);
    return shown(page.tasks, page.next !== undefined, page.query, turn);
  }

  /** A search with words: typo-tolerant through /api/search (the words its q, the rest its filter). */
  async function find(query: string, sort: string | undefined, turn: Turn): Promise<Answer> {
    const node = parseQuery(query);
    const parts = node?.type === 'and' ? node.children : node ? [node] : [];
    const words = parts.flatMap((n) => (n.type === 'text' ? [n.value] : []));
    const rest = parts.filter((n) => n.type !== 'text');
    const filter = formatQuery(rest.length > 1 ? { type: 'and', children: rest } : (rest[0] ?? null));
    const found = await turn.tasks.search(words.join(' '), filter, sort, LIST_LIMIT);
    // The cards show whole tasks; one deleted since the search is left out.
    const tasks = (await Promise.allSettled(found.hits.map((h) => turn.tasks.get(h.id))))
      .filter((r) => r.status === 'fulfilled')
      .map((r) => r.value);
    return shown(tasks, found.total > found.hits.length, query, turn);
  }

  function shown(tasks: Task[], more: boolean, query: string, turn: Turn): Answer {
    turn.state.list = tasks.map((t) => t.id);
    if (tasks.length === 1) turn.state.focus = [tasks[0]!.id];
    const what = query ? `\`${query}\`` : 'all tasks';
    const reply = tasks.length
      ? [
          `${tasks.length}${more ? '+' : ''} task${tasks.length === 1 ? '' : 's'} for ${what}:`,
          ...tasks.map((t, i) => `${i + 1}. ${line(t)}`),
          ...(more ? [`(showing the first ${LIST_LIMIT})`] : []),
        ].join('\n')
      : `Nothing matches ${what}.`;
    return { reply, tasks, query };
  }

  /** A command on existing tasks: resolve the reference, then act on each task it names. */
  async function act(r: ParseResult, turn: Turn, chosen?: string[], confirmed = false): Promise<Answer> {
    const target = chosen ? await byIds(chosen, turn) : await resolve(r, turn);
    if ('answer' in target) return target.answer;
    const ids = target.ids;
    if (r.intent === 'recur' && r.recurrence && !confirmed) {
      const due = r.due ?? target.tasks[0]?.due ?? { date: nowIn(turn.user.tz).toISODate()! };
      const rule = ruleText(
        recurrenceInput(r.recurrence, due),
        keepTime(due, target.tasks[0]!),
        turn.user.tz,
      );
      const titles = target.tasks.map((t) => `"${t.title}"`).join(', ');
      const question = `Make ${titles} repeat ${rule}? (yes/no)`;
      turn.state.pending = { kind: 'confirm', question, action: 'recur', request: r, ids };
      return { reply: question, tasks: target.tasks };
    }
    if (r.intent === 'delete') {
      if (ids.length > 1 || r.needsConfirmation) {
        const titles = target.tasks.map((t) => `"${t.title}"`);
        const question = `Delete ${ids.length === 1 ? titles[0] : `these ${ids.length} tasks: ${titles.join(', ')}`}? (yes/no)`;
        turn.state.pending = { kind: 'confirm', question, action: 'delete', ids };
        return { reply: question, tasks: target.tasks };
      }
      return remove(ids, turn);
    }
    if (r.intent === 'complete' || r.intent === 'reopen') {
      const done: Task[] = [];
      for (const id of ids) done.push(await turn.tasks[r.intent](id));
      turn.state.focus = ids;
      turn.state.last = { kind: r.intent === 'complete' ? 'completed' : 'reopened', ids };
      const verb = r.intent === 'complete' ? 'Done' : 'Reopened';
      return { reply: `${verb}: ${done.map((t) => `"${t.title}"`).join(', ')}.`, tasks: done };
    }
    if (r.intent === 'snooze') return snooze(r, target.tasks, turn);
    const seriesAction = SERIES_ACTIONS[r.intent];
    if (seriesAction) return manageSeries(seriesAction, target.tasks, turn);
    if (r.intent === 'rename' && ids.length > 1)
      return { reply: 'I can only rename one task at a time: which one?', tasks: target.tasks };
    // Every patch is worked out before the first is sent, so a refusal changes nothing.
    const patches = target.tasks.map((task) => ({ task, patch: patchFor(r, task, turn.user.tz) }));
    const refused = patches.find((p) => typeof p.patch === 'string');
    if (refused) return { reply: refused.patch as string, tasks: [refused.task] };
    const changes: { id: string; before: TaskPatch }[] = [];
    const changed: Task[] = [];
    const lines: string[] = [];
    for (const { task, patch } of patches as { task: Task; patch: TaskPatch }[]) {
      const before = Object.fromEntries(
        Object.keys(patch).map((k) => [k, (task as Record<string, unknown>)[k] ?? null]),
      ) as TaskPatch;
      const after = await turn.tasks.update(task.id, patch, r.intent);
      changes.push({ id: task.id, before });
      changed.push(after);
      lines.push(changeLine(r, after, turn.user.tz));
    }
    turn.state.focus = ids;
    turn.state.last = { kind: 'updated', changes, what: r.intent };
    return { reply: lines.join('\n'), tasks: changed };
  }

  /**
   * Snoozes one reminder of each task through the management API, which sets its `snoozedUntil`: the
   * reminder that rang last, else the next to ring. So snoozing again moves that one snooze, and a task
   * gains no reminders.
   */
  async function snooze(r: ParseResult, targets: Task[], turn: Turn): Promise<Answer> {
    const tz = turn.user.tz;
    const minutes = Math.max(1, Math.round(Duration.fromISO(r.duration ?? 'PT10M').as('minutes')));
    const picks = targets.map((task) => ({ task, reminderId: reminderToSnooze(task, tz) }));
    const refused = picks.find((p) => !p.reminderId);
    if (refused) return { reply: cannotSnooze(refused.task), tasks: [refused.task] };
    const changes: { id: string; before: TaskPatch }[] = [];
    const changed: Task[] = [];
    const lines: string[] = [];
    for (const { task, reminderId } of picks) {
      const info = await turn.tasks.snooze(
        timerId({ kind: 'reminder', taskId: task.id, reminderId: reminderId! }),
        { minutes },
      );
      changes.push({ id: task.id, before: { reminders: task.reminders } });
      changed.push(await turn.tasks.get(task.id));
      const ring = info.nextAt ? `it rings ${at(info.nextAt, tz)}` : 'it does not ring';
      lines.push(`Snoozed the reminder of "${info.title}": ${ring}.`);
    }
    turn.state.focus = targets.map((t) => t.id);
    turn.state.last = { kind: 'updated', changes, what: 'snooze' };
    return { reply: lines.join('\n'), tasks: changed };
  }

  /** The reminder a snooze means: the one that rang last, else the next to ring; none when none rings. */
  function reminderToSnooze(task: Task, tz: string): string | undefined {
    const now = clock.now().getTime();
    const fires = reminderFireTimes(task, tz)
      .map((f) => ({ id: f.reminderId, at: Date.parse(f.fireAt) }))
      .sort((a, b) => a.at - b.at);
    return (fires.filter((f) => f.at <= now).at(-1) ?? fires.find((f) => f.at > now))?.id;
  }

  function cannotSnooze(task: Task): string {
    if (!task.reminders.length)
      return `"${task.title}" has no reminder to snooze: add one ("remind me about it tomorrow at 9am").`;
    if (task.status !== 'open') return `"${task.title}" is ${task.status}: its reminders do not ring.`;
    if (task.recurrence?.paused)
      return `"${task.title}" is paused: its reminders do not ring until you resume it.`;
    return `"${task.title}" has no due date for its reminders to count from: give it one first.`;
  }

  /**
   * Pause, resume, skip or stop a series through the management API (/api/workflows/s~…), which acts on
   * the series' newest instance: the same change the web app makes.
   */
  async function manageSeries(action: WorkflowAction, targets: Task[], turn: Turn): Promise<Answer> {
    const single = targets.find((t) => !t.seriesId);
    if (single) {
      if (action === 'skip')
        return { reply: 'Only a repeating task can skip an occurrence.', tasks: [single] };
      const what = action === 'cancel' ? 'stop' : action;
      return { reply: `"${single.title}" does not repeat, so there is nothing to ${what}.`, tasks: [single] };
    }
    const seriesIds = [...new Set(targets.map((t) => t.seriesId!))];
    const changes: { id: string; before: TaskPatch }[] = [];
    const changed: Task[] = [];
    const lines: string[] = [];
    for (const seriesId of seriesIds) {
      const id = timerId({ kind: 'series', seriesId });
      // The API acts on the series' newest instance (its head), which need not be the task named.
      const headId = (await turn.tasks.workflowInfo(id)).taskId;
      const head = targets.find((t) => t.id === headId) ?? (await turn.tasks.get(headId));
      let info: WorkflowInfo;
      try {
        info = await turn.tasks.workflow(id, action);
      } catch (err) {
        // An after-completion series plans its next occurrence only once this one is finished, so there
        // is no planned one to leave out: the API's answer is to skip the open instance instead.
        if (!(err instanceof TasksApiError && err.code === 'NOT_SKIPPABLE' && head.status === 'open'))
          throw err;
        changed.push(await turn.tasks.skip(head.id));
        lines.push(`Skipped this occurrence of "${head.title}".`);
        turn.state.last = { kind: 'skipped', ids: [head.id] };
        continue;
      }
      const after = await turn.tasks.get(info.taskId);
      changes.push({ id: head.id, before: { recurrence: head.recurrence ?? null } });
      changed.push(after);
      lines.push(seriesLine(action, head, after, turn.user.tz));
    }
    turn.state.focus = changed.map((t) => t.id);
    if (changes.length) {
      turn.state.last =
        action === 'pause' || action === 'resume'
          ? {
              kind: 'workflow',
              ids: seriesIds.map((s) => timerId({ kind: 'series', seriesId: s })),
              undo: action === 'pause' ? 'resume' : 'pause',
              what: action,
            }
          : { kind: 'updated', changes, what: action === 'cancel' ? 'stop' : action };
    }
    return { reply: lines.join('\n'), tasks: changed };
  }

  /** What a series action did, read from the series' newest instance before and after it. */
  function seriesLine(action: WorkflowAction, before: Task, after: Task, tz: string): string {
    const title = `"${after.title}"`;
    switch (action) {
      case 'pause':
        return before.recurrence?.paused
          ? `${title} was already paused.`
          : `Paused ${title}: no new occurrences or reminders until you resume it.`;
      case 'resume':
        return before.recurrence?.paused
          ? `Resumed ${title}: it repeats ${seriesText(after, tz)}.`
          : `${title} was not paused: it repeats ${seriesText(after, tz)}.`;
      case 'cancel':
        return `${title} no longer repeats.`;
      case 'skip': {
        const had = new Set(before.recurrence?.exdate ?? []);
        const left = (after.recurrence?.exdate ?? []).filter((x) => !had.has(x));
        const day = left.map((x) => when(fromLocal(after.due?.time ? x : x.slice(0, 10)))).join(', ');
        return `Skipped ${title} on ${day}: it repeats ${seriesText(after, tz)}.`;
      }
    }
  }

  /** The tasks a request names: ids, or an answer when it names none or several. */
  async function resolve(
    r: ParseResult,
    turn: Turn,
  ): Promise<{ ids: string[]; tasks: Task[] } | { answer: Answer }> {
    const ask = (reply: string): { answer: Answer } => ({ answer: { reply, tasks: [] } });
    const ref = r.ref;
    if (ref === 'it') {
      if (!turn.state.focus.length) return ask(QUESTIONS['missing-task']);
      return byIds(turn.state.focus, turn);
    }
    if (ref === 'them') {
      if (!turn.state.list.length) return ask('Which tasks? Show a list first ("show my tasks").');
      return byIds(turn.state.list, turn);
    }
    const position = ref === 'last' ? turn.state.list.length - 1 : ORDINALS.indexOf(ref ?? '');
    if (ref === 'last' || position >= 0) {
      if (!turn.state.list.length)
        return ask(`The ${ref} of which list? Show a list first ("show my tasks").`);
      const id = turn.state.list[position];
      if (!id) return ask(`The last list had only ${turn.state.list.length} task(s).`);
      return byIds([id], turn);
    }
    if (ref) {
      // A title: searched among the owner's own tasks only (the tasks API scopes every query to the owner).
      const status = r.intent === 'reopen' ? { type: 'not' as const, child: open } : open;
      const q = formatQuery({ type: 'and', children: [status, { type: 'title', value: ref }] });
      const found = (await turn.tasks.list(q, 'due', LIST_LIMIT)).tasks;
      if (!found.length)
        return ask(
          `I could not find ${r.intent === 'reopen' ? 'a finished' : 'an open'} task called "${ref}".`,
        );
      if (found.length === 1) return { ids: [found[0]!.id], tasks: found };
      const options = found.map((t) => ({ id: t.id, title: t.title }));
      turn.state.list = options.map((o) => o.id);
      const question = [
        `Which one?`,
        ...found.map((t, i) => `${i + 1}. ${line(t)}`),
        '(say "the first one", "2", ... or "no")',
      ].join('\n');
      turn.state.pending = { kind: 'choose', question, request: r, options };
      return { answer: { reply: question, tasks: found } };
    }
    if (r.query !== undefined) {
      const found = (await turn.tasks.list(r.query, 'due', BULK_LIMIT)).tasks;
      if (!found.length)
        return { answer: { reply: `Nothing matches \`${r.query}\`.`, tasks: [], query: r.query } };
      return { ids: found.map((t) => t.id), tasks: found };
    }
    return ask(QUESTIONS['missing-task']);
  }

  async function byIds(ids: string[], turn: Turn): Promise<{ ids: string[]; tasks: Task[] }> {
    return { ids, tasks: await Promise.all(ids.map((id) => turn.tasks.get(id))) };
  }

  async function remove(ids: string[], turn: Turn): Promise<Answer> {
    const gone: Task[] = [];
    for (const id of ids) {
      gone.push(await turn.tasks.get(id));
      await turn.tasks.remove(id);
    }
    turn.state.focus = [];
    turn.state.list = turn.state.list.filter((id) => !ids.includes(id));
    turn.state.last = { kind: 'deleted', tasks: gone };
    return {
      reply: `Deleted ${gone.map((t) => `"${t.title}"`).join(', ')}. (say "undo" to bring back)`,
      tasks: gone,
    };
  }

  async function undo(turn: Turn): Promise<Answer> {
    const last = turn.state.last;
    if (!last) return { reply: 'There is nothing to undo.', tasks: [] };
    delete turn.state.last;
    const t = turn.tasks;
    const titles = (tasks: Task[]) => tasks.map((x) => `"${x.title}"`).join(', ');
    switch (last.kind) {
      case 'created': {
        const gone: Task[] = [];
        for (const id of last.ids) {
          gone.push(await t.get(id));
          await t.remove(id);
        }
        turn.state.focus = [];
        return { reply: `Undone: removed ${titles(gone)} again.`, tasks: gone };
      }
      case 'completed':
      case 'skipped': {
        const back = await each(last.ids, (id) => t.reopen(id));
        return { reply: `Undone: ${titles(back)} is open again.`, tasks: back };
      }
      case 'reopened': {
        const back = await each(last.ids, (id) => t.complete(id));
        return { reply: `Undone: ${titles(back)} is done again.`, tasks: back };
      }
      case 'deleted': {
        // The API gives new ids: the task comes back with the same content, not the same identity.
        const back = await each(last.tasks, async (old) => {
          const task = await t.create(recreate(old));
          return old.status === 'done' ? t.complete(task.id) : task;
        });
        turn.state.focus = back.map((x) => x.id);
        return { reply: `Undone: ${titles(back)} is back.`, tasks: back };
      }
      case 'updated': {
        const back = await each(last.changes, (c) => t.update(c.id, c.before, 'undo'));
        turn.state.focus = back.map((x) => x.id);
        return { reply: `Undone: the ${last.what} of ${titles(back)}.`, tasks: back };
      }
      case 'workflow': {
        // A pause is undone by a resume and the other way round, through the same API.
        const back = await each(last.ids, async (id) => t.get((await t.workflow(id, last.undo)).taskId));
        turn.state.focus = back.map((x) => x.id);
        return { reply: `Undone: the ${last.what} of ${titles(back)}.`, tasks: back };
      }
    }
  }

  /** Turns the tasks API's refusals into replies; anything else (it is down) propagates. */
  async function guarded(work: () => Promise<Answer>): Promise<Answer> {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof TasksApiError)) throw err;
      if (err.status === 404)
        return { reply: 'I could not find that task any more: it may have been deleted.', tasks: [] };
      if (err.code === 'NOT_RECURRING')
        return { reply: 'Only a repeating task can skip an occurrence.', tasks: [] };
      const refusal = WORKFLOW_REFUSALS[err.code];
      if (refusal) return { reply: refusal, tasks: [] };
      const details = err.details.map((d) => `${d.path}: ${d.issue}`).join('; ');
      return {
        reply: `The task service did not accept that: ${err.message}${details ? ` (${details})` : ''}.`,
        tasks: [],
      };
    }
  }

  /** The change a command makes to one task, or a reply saying why it can not. */
  function patchFor(r: ParseResult, task: Task, tz: string): TaskPatch | string {
    switch (r.intent) {
      case 'rename':
        return r.title ? { title: r.title } : QUESTIONS['missing-value'];
      case 'reschedule':
        return r.due ? { due: keepTime(r.due, task) } : QUESTIONS['missing-date'];
      case 'update': {
        const patch: TaskPatch = {};
        if (r.priority) patch.priority = r.priority;
        if (r.notes) patch.notes = task.notes ? `${task.notes}\n${r.notes}` : r.notes;
        if (r.due) patch.due = keepTime(r.due, task);
        return Object.keys(patch).length ? patch : QUESTIONS['missing-value'];
      }
      case 'tag':
      case 'untag': {
        if (!r.tags) return QUESTIONS['missing-value'];
        const tags = r.tags;
        return {
          tags:
            r.intent === 'tag'
              ? [...new Set([...task.tags, ...tags])]
              : task.tags.filter((x) => !tags.includes(x)),
        };
      }
      case 'remind':
        if (!r.reminders) return QUESTIONS['missing-time'];
        if (!task.due && r.reminders.some((x) => 'offset' in x))
          return `"${task.title}" has no due date, so "before" has nothing to count from: give a time instead ("remind me about it tomorrow at 9am").`;
        return { reminders: [...task.reminders, ...r.reminders.map((x) => reminderInput(x, tz))] };
      case 'recur': {
        if (!r.recurrence) return QUESTIONS['ambiguous-frequency'];
        const due = keepTime(r.due ?? task.due ?? { date: nowIn(tz).toISODate()! }, task);
        return { due, recurrence: recurrenceInput(r.recurrence, due) };
      }
      default:
        return QUESTIONS['not-understood'];
    }
  }

  function changeLine(r: ParseResult, t: Task, tz: string): string {
    switch (r.intent) {
      case 'rename':
        return `Renamed it to "${t.title}".`;
      case 'reschedule':
        return `Moved "${t.title}" to ${t.due ? when(t.due) : 'no date'}.`;
      case 'tag':
      case 'untag':
        return `"${t.title}" now has ${t.tags.length ? t.tags.map((x) => `#${x}`).join(' ') : 'no tags'}.`;
      case 'remind':
        return `"${t.title}" will remind you ${t.reminders.map((x) => reminderText(x, tz)).join(', ')}.`;
      case 'recur':
        return `"${t.title}" now repeats ${seriesText(t, tz)}.`;
      default:
        return `Updated ${describeTask(t, tz)}.`;
    }
  }

  /** "every week on Monday; next: Mon 2026-11-30, ..." */
  function seriesText(t: Task, tz: string): string {
    return t.recurrence && t.due ? ruleText(t.recurrence, t.due, tz) : '';
  }

  /** A rule in words with its next three dates, for a task's rule or one about to be saved. */
  function ruleText(
    r: { rrule: string; mode: string; exdate?: string[] },
    due: { date: string; time?: string },
    tz: string,
  ): string {
    const dtstart = due.time ? `${due.date}T${due.time}` : due.date;
    const input = { rrule: r.rrule, dtstart, exdate: r.exdate?.map((x) => (due.time ? x : x.slice(0, 10))) };
    const rule = describeRule(input);
    if (r.mode === 'after-completion') return `${rule}, counted from when you finish each one`;
    const now = nowIn(tz);
    // `after` is exclusive: a day-only occurrence today is still to come, a timed one from this minute on.
    const after = due.time
      ? now.minus({ minutes: 1 }).toFormat("yyyy-MM-dd'T'HH:mm")
      : now.minus({ days: 1 }).toISODate()!;
    const next = occurrences(input, { count: 3, after }).map((o) => when(fromLocal(o.local)));
    return `${rule}; next: ${next.join(', ')}`;
  }

  function describeTask(t: Task, tz: string): string {
    const parts = [`"${t.title}"`];
    if (t.due) parts.push(`due ${when(t.due)}`);
    if (t.priority !== 'none') parts.push(`${t.priority} priority`);
    if (t.tags.length) parts.push(t.tags.map((x) => `#${x}`).join(' '));
    if (t.reminders.length) parts.push(`reminders ${t.reminders.map((x) => reminderText(x, tz)).join(', ')}`);
    if (t.recurrence) parts.push(`repeating ${seriesText(t, tz)}`);
    return parts.join(', ');
  }

  function reminderText(x: { offset: string } | { at: string }, tz: string): string {
    if ('at' in x) return `at ${DateTime.fromISO(x.at).setZone(tz).toFormat('ccc yyyy-MM-dd HH:mm')}`;
    const d = Duration.fromISO(x.offset.replace('-', ''));
    if (d.toMillis() === 0) return 'at the due time';
    return `${d.rescale().toHuman({ unitDisplay: 'long' })} ${x.offset.startsWith('-') ? 'before' : 'after'}`;
  }

  return { respond, execute };
}

export type Engine = ReturnType<typeof createEngine>;

const open = { type: 'status' as const, value: 'open' as const };

/** A list line: "Buy milk (due Wed 2026-11-25 17:00, high, #home)". */
function line(t: Task): string {
  const extra = [
    t.status !== 'open' ? t.status : '',
    t.due ? `due ${when(t.due)}` : '',
    t.priority !== 'none' ? t.priority : '',
    t.recurrence ? 'repeats' : '',
    ...t.tags.map((x) => `#${x}`),
  ].filter(Boolean);
  return extra.length ? `${t.title} (${extra.join(', ')})` : t.title;
}

/** An instant in the owner's zone: "at Tue 2026-11-24 11:10". */
function at(instant: string, tz: string): string {
  return `at ${DateTime.fromISO(instant).setZone(tz).toFormat('ccc yyyy-MM-dd HH:mm')}`;
}

function when(due: { date: string; time?: string }): string {
  const day = DateTime.fromISO(due.date, { zone: 'utc' }).toFormat('ccc yyyy-MM-dd');
  return due.time ? `${day} ${due.time}` : day;
}

function fromLocal(local: string): { date: string; time?: string } {
  const [date = local, time] = local.split('T');
  return time ? { date, time: time.slice(0, 5) } : { date };
}

/** A new due from the parser keeps the task's time of day when it names only a day ("move it to friday"). */
function keepTime(due: { date: string; time?: string }, task: Task): { date: string; time?: string } {
  return due.time || !task.due?.time ? due : { date: due.date, time: task.due.time };
}

/** A parser reminder as the API takes it: a local wall time becomes a UTC instant in the owner's zone. */
function reminderInput(x: Reminder, tz: string): { offset: string } | { at: string } {
  if ('offset' in x) return x;
  return { at: DateTime.fromISO(x.at, { zone: tz }).toUTC().toISO({ suppressMilliseconds: true })! };
}

/** The parser's recurrence as the API stores it: exdates are local date-times like the due. */
function recurrenceInput(r: NonNullable<ParseResult['recurrence']>, due: { time?: string }) {
  const exdate = r.exdate?.map((x) => (x.includes('T') ? x : `${x}T${due.time ?? '00:00'}`));
  return { rrule: r.rrule, mode: r.mode, ...(exdate ? { exdate } : {}) };
}

/** A task's content as a create request: what undo of a delete sends back. */
function recreate(t: Task) {
  return {
    title: t.title,
    ...(t.notes !== undefined ? { notes: t.notes } : {}),
    priority: t.priority,
    tags: t.tags,
    ...(t.due ? { due: t.due } : {}),
    reminders: t.reminders,
    ...(t.recurrence ? { recurrence: t.recurrence } : {}),
  };
}

/** Which option a reply to "which one?" picks: "2", "the second", "last"; null when it picks none. */
function pickOption(text: string, count: number): number | null {
  const t = text.trim().toLowerCase();
  if (/^\d{1,2}$/.test(t)) return Number(t) - 1;
  const ref = canonicalRef(t);
  if (ref === 'last') return count - 1;
  const i = ORDINALS.indexOf(ref ?? '');
  return i >= 0 ? i : null;
}

async function each<T, R>(items: T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const x of items) out.push(await f(x));
  return out;
}

import { describe, expect, it } from 'vitest';
import { testChat } from '../testing.ts';

/** Polls until `probe` answers (the search index follows the outbox relay). */
async function until<T>(probe: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > end) return v as T;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Berlin is UTC+1 in November: the fixed clock's 10:00 UTC is 11:00 local on Tuesday 2026-11-24.
const api = await testChat();

describe('POST /api/chat: conversations', () => {
  it('adds a task, then acts on "it"', async () => {
    const c = api.conversation(await api.signup());
    const added = await c.say('buy milk tomorrow at 5pm');
    expect(added.reply).toBe('Added "buy milk", due Wed 2026-11-25 17:00.');
    expect(added.actions).toEqual([{ tool: 'add', method: 'POST', path: '/api/tasks', status: 201 }]);
    expect(added.tasks[0]).toMatchObject({ title: 'buy milk', due: { date: '2026-11-25', time: '17:00' } });
    expect(added.conversationId).toMatch(/^[\w-]+$/);

    const id = added.tasks[0].id;
    const urgent = await c.say('make it high priority');
    expect(urgent.tasks).toMatchObject([{ id, priority: 'high' }]);
    const moved = await c.say('move it to friday');
    // Only a day was said: the task keeps its time of day.
    expect(moved.reply).toBe('Moved "buy milk" to Fri 2026-11-27 17:00.');
    const done = await c.say('done with it');
    expect(done.reply).toBe('Done: "buy milk".');
    expect(done.actions).toMatchObject([
      { tool: 'get', method: 'GET', path: `/api/tasks/${id}`, status: 200 },
      { tool: 'complete', method: 'POST', path: `/api/tasks/${id}/complete`, status: 200 },
    ]);
  });

  it('lists with the query it ran and resolves "the second one" in that list', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('call mom monday');
    await c.say('pay bills friday #home');
    await c.say('water plants sunday');
    const list = await c.say('show my tasks');
    expect(list.query).toBe('is:open');
    expect(list.reply).toBe(
      [
        '3 tasks for `is:open`:',
        '1. pay bills (due Fri 2026-11-27, #home)',
        '2. water plants (due Sun 2026-11-29)',
        '3. call mom (due Mon 2026-11-30)',
      ].join('\n'),
    );
    const done = await c.say('complete the second one');
    expect(done.reply).toBe('Done: "water plants".');
    const week = await c.say("what's due this week");
    expect(week.query).toBe('is:open due:2026-11-23..2026-11-29');
    expect(week.tasks.map((t: any) => t.title)).toEqual(['pay bills']);
    // One task shown is the one in focus.
    expect((await c.say('rename it to pay all bills')).reply).toBe('Renamed it to "pay all bills".');
  });

  it('searches through the search service: typo-tolerant words, the rest as its filter', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('pay the electricity invoice friday high priority #bills');
    await c.say('pay the water invoice saturday #bills');
    await c.say('renew the car insurance');
    const other = api.conversation(await api.signup());
    await other.say('pay the electricity invoice friday #bills');
    const found = await until(async () => {
      const r = await c.say('search invoce');
      return r.tasks.length === 2 ? r : undefined;
    });
    expect(found.reply).toBe(
      [
        '2 tasks for `invoce`:',
        '1. pay the electricity invoice (due Fri 2026-11-27, high, #bills)',
        '2. pay the water invoice (due Sat 2026-11-28, #bills)',
      ].join('\n'),
    );
    expect(found.actions[0]).toEqual({ tool: 'search', method: 'GET', path: '/api/search', status: 200 });
    const high = await c.say('find high priority invoce');
    expect(high.tasks.map((t: any) => t.title)).toEqual(['pay the electricity invoice']);
    expect(high.query).toBe('priority:high invoce');
    expect((await c.say('complete the first one')).reply).toBe('Done: "pay the electricity invoice".');
    expect((await c.say('search insurnce')).tasks.map((t: any) => t.title)).toEqual([
      'renew the car insurance',
    ]);
  });

  it('shows a series in words with its next three dates, and saves it on "yes"', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    const ask = await c.say('pay rent on the 1st of every month at 9am high priority #bills');
    expect(ask.reply).toBe(
      'Add "pay rent", repeating every month on the 1st at 09:00; next: Tue 2026-12-01 09:00, Fri 2027-01-01 09:00, Mon 2027-02-01 09:00? (yes/no)',
    );
    expect(ask.pending).toEqual({ kind: 'confirm', question: ask.reply });
    expect(ask.actions).toEqual([]);
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toEqual([]);
    const r = await c.say('yes');
    expect(r.pending).toBeUndefined();
    expect(r.tasks[0]).toMatchObject({
      title: 'pay rent',
      priority: 'high',
      tags: ['bills'],
      due: { date: '2026-12-01', time: '09:00' },
      recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1', mode: 'schedule' },
    });
    expect(r.reply).toContain('every month on the 1st at 09:00');
    expect(r.reply).toContain('next: Tue 2026-12-01 09:00, Fri 2027-01-01 09:00, Mon 2027-02-01 09:00');

    const stop = await c.say('stop repeating it');
    expect(stop.reply).toBe('"pay rent" no longer repeats.');
    expect(stop.tasks[0].recurrence).toBeUndefined();
    const again = await c.say('make it repeat every monday');
    expect(again.reply).toBe(
      'Make "pay rent" repeat every Monday at 09:00; next: Mon 2026-11-30 09:00, Mon 2026-12-07 09:00, Mon 2026-12-14 09:00? (yes/no)',
    );
    expect(again.actions.every((a: any) => a.method === 'GET')).toBe(true);
    const changed = await c.say('ok');
    expect(changed.reply).toContain('next: Mon 2026-11-30 09:00, Mon 2026-12-07 09:00, Mon 2026-12-14 09:00');
    expect(changed.tasks[0].recurrence).toMatchObject({ rrule: 'FREQ=WEEKLY;BYDAY=MO' });
  });

  it('saves nothing when a series is turned down, and reads another request as one', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    const ask = await c.say('standup every day except weekends at 9:30');
    // The rule says what "except weekends" became: the weekdays, never the weekend.
    expect(ask.reply).toBe(
      'Add "standup", repeating every weekday at 09:30; next: Wed 2026-11-25 09:30, Thu 2026-11-26 09:30, Fri 2026-11-27 09:30? (yes/no)',
    );
    expect((await c.say('no')).reply).toBe('OK, I did not add it.');
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toEqual([]);
    await c.say('gym every monday');
    // Not a yes or a no: the question is dropped and the message is a request of its own.
    expect((await c.say('buy milk')).reply).toBe('Added "buy milk".');
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks.map((t: any) => t.title)).toEqual([
      'buy milk',
    ]);
  });

  it('undoes an add, a completion and a delete', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    const added = await c.say('book flights');
    const first = added.tasks[0].id;
    expect((await c.say('undo')).reply).toBe('Undone: removed "book flights" again.');
    expect((await api.tasks('GET', `/api/tasks/${first}`, { token })).status).toBe(404);
    expect((await c.say('undo')).reply).toBe('There is nothing to undo.');

    const dentist = (await c.say('dentist friday 3pm #health')).tasks[0].id;
    await c.say('mark it done');
    expect((await api.tasks('GET', `/api/tasks/${dentist}`, { token })).body.status).toBe('done');
    expect((await c.say('undo')).reply).toBe('Undone: "dentist" is open again.');
    expect((await api.tasks('GET', `/api/tasks/${dentist}`, { token })).body.status).toBe('open');

    const deleted = await c.say('delete the dentist task');
    expect(deleted.reply).toBe('Deleted "dentist". (say "undo" to bring back)');
    expect((await api.tasks('GET', `/api/tasks/${dentist}`, { token })).status).toBe(404);
    const back = await c.say('undo');
    expect(back.reply).toBe('Undone: "dentist" is back.');
    expect(back.tasks[0]).toMatchObject({
      title: 'dentist',
      tags: ['health'],
      due: { date: '2026-11-27', time: '15:00' },
    });
    // "it" now means the task that came back.
    expect((await c.say('tag it #teeth')).reply).toBe('"dentist" now has #health #teeth.');
    expect((await c.say('undo')).reply).toBe('Undone: the tag of "dentist".');
    const list = await api.tasks('GET', '/api/tasks', { token });
    expect(list.body.tasks.map((t: any) => [t.title, t.tags])).toEqual([['dentist', ['health']]]);
  });

  it('asks before deleting several tasks, and does nothing on "no"', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('buy eggs');
    await c.say('buy bread');
    await c.say('show my tasks');
    const ask = await c.say('delete them');
    expect(ask.pending).toEqual({ kind: 'confirm', question: ask.reply });
    expect(ask.reply).toMatch(/^Delete these 2 tasks: "buy (eggs|bread)", "buy (eggs|bread)"\? \(yes\/no\)$/);
    expect(ask.actions.every((a: any) => a.method === 'GET')).toBe(true);
    const no = await c.say('no');
    expect(no.reply).toBe('OK, I left them as they are.');
    expect(no.pending).toBeUndefined();
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toHaveLength(2);

    await c.say('delete them');
    const yes = await c.say('yes');
    expect(yes.actions.filter((a: any) => a.method === 'DELETE')).toHaveLength(2);
    expect((await api.tasks('GET', '/api/tasks', { token })).body.tasks).toHaveLength(0);
    expect((await c.say('undo')).tasks.map((t: any) => t.title).sort()).toEqual(['buy bread', 'buy eggs']);
  });

  it('asks which one when a title matches several tasks', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('call dentist monday');
    await c.say('dentist appointment friday 3pm');
    const ask = await c.say('complete the dentist task');
    expect(ask.pending.kind).toBe('choose');
    expect(ask.pending.options.map((o: any) => o.title)).toEqual(['dentist appointment', 'call dentist']);
    const picked = await c.say('2');
    expect(picked.reply).toBe('Done: "call dentist".');
    expect(picked.pending).toBeUndefined();
    // Now only one open task matches.
    expect((await c.say('delete the dentist task')).reply).toBe(
      'Deleted "dentist appointment". (say "undo" to bring back)',
    );
  });

  it('acts on a selection: completes what a query names, asks before deleting one, reopens by title', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('buy paint #home');
    await c.say('fix shelf #home');
    await c.say('file taxes');
    const done = await c.say('mark everything tagged home as done');
    expect(done.reply).toMatch(/^Done: "(buy paint|fix shelf)", "(buy paint|fix shelf)"\.$/);
    expect(done.actions[0]).toMatchObject({ tool: 'list', method: 'GET', path: '/api/tasks' });
    const open = await api.tasks('GET', '/api/tasks?q=is:open', { token });
    expect(open.body.tasks.map((t: any) => t.title)).toEqual(['file taxes']);

    const reopened = await c.say('reopen the shelf task');
    expect(reopened.reply).toBe('Reopened: "fix shelf".');
    const ask = await c.say('delete all tasks tagged home');
    expect(ask.pending?.kind).toBe('confirm');
    expect((await c.say('yes')).reply).toMatch(/^Deleted "(buy paint|fix shelf)", "(buy paint|fix shelf)"\./);
    expect((await c.say('delete all tasks tagged home')).reply).toBe('Nothing matches `#home`.');
  });

  it("never finds another owner's task by its title", async () => {
    const alice = await api.signup();
    const bob = await api.signup();
    const bobs = await api.conversation(bob).say('renew passport friday');
    const c = api.conversation(alice);
    for (const message of ['complete the passport task', 'delete the renew passport task']) {
      const r = await c.say(message);
      expect(r.reply).toBe(
        'I could not find an open task called "' + message.split(' the ')[1]!.replace(' task', '') + '".',
      );
      expect(r.tasks).toEqual([]);
    }
    expect((await c.say('search passport')).tasks).toEqual([]);
    expect((await api.tasks('GET', `/api/tasks/${bobs.tasks[0].id}`, { token: bob })).body.status).toBe(
      'open',
    );
  });

  it('converts reminders to UTC in the owner zone and snoozes', async () => {
    const c = api.conversation(await api.signup('America/New_York'));
    // 05:00 in New York on the fixed clock.
    const added = await c.say('dentist appointment friday 3pm remind me 1 hour before');
    expect(added.tasks[0].reminders).toMatchObject([{ offset: '-PT1H' }]);
    const at = await c.say('remind me about it tomorrow at 8am');
    expect(at.tasks[0].reminders[1]).toMatchObject({ at: '2026-11-25T13:00:00Z' });
    // Nothing has rung yet: the snooze holds back the next to ring, which rings later anyway.
    const snoozed = await c.say('snooze it 10 minutes');
    expect(snoozed.reply).toBe(
      'Snoozed the reminder of "dentist appointment": it rings at Wed 2026-11-25 08:00.',
    );
    expect(snoozed.tasks[0].reminders).toHaveLength(2);
    expect(snoozed.tasks[0].reminders[1]).toMatchObject({ snoozedUntil: '2026-11-24T10:10:00.000Z' });
    const unsnoozed = await c.say('undo');
    expect(unsnoozed.reply).toBe('Undone: the snooze of "dentist appointment".');
    expect(unsnoozed.tasks[0].reminders[1].snoozedUntil).toBeUndefined();
    const pause = await c.say('pause it');
    expect(pause.reply).toBe('"dentist appointment" does not repeat, so there is nothing to pause.');
    expect(pause.actions.filter((a: { method: string }) => a.method !== 'GET')).toEqual([]);
  });

  it('pauses and resumes a series, and undoes a pause', async () => {
    const c = api.conversation(await api.signup());
    await c.say('gym every monday at 7am');
    await c.say('yes');
    const paused = await c.say('pause it');
    expect(paused.reply).toBe('Paused "gym": no new occurrences or reminders until you resume it.');
    expect(paused.tasks[0].recurrence).toMatchObject({
      rrule: expect.stringContaining('BYDAY=MO'),
      paused: true,
    });
    const id = `s~${paused.tasks[0].seriesId}`;
    expect(paused.actions.filter((a: { method: string }) => a.method === 'POST')).toEqual([
      { tool: 'pause', method: 'POST', path: `/api/workflows/${id}/pause`, status: 200 },
    ]);
    expect((await c.say('pause gym')).reply).toBe('"gym" was already paused.');
    const resumed = await c.say('resume gym');
    expect(resumed.reply).toMatch(/^Resumed "gym": it repeats every Monday at 07:00/);
    expect(resumed.tasks[0].recurrence.paused).toBeUndefined();
    expect(resumed.actions.at(-2)).toMatchObject({ tool: 'resume', path: `/api/workflows/${id}/resume` });
    await c.say('pause it');
    const undone = await c.say('undo');
    expect(undone.reply).toBe('Undone: the pause of "gym".');
    expect(undone.actions[0]).toMatchObject({ tool: 'resume', path: `/api/workflows/${id}/resume` });
    expect(undone.tasks[0].recurrence.paused).toBeUndefined();
  });

  it('snoozes one reminder eleven times: one reminder with snoozedUntil, not ten more reminders', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    // It rang at 10:30 Berlin (09:30 UTC), half an hour before the fixed clock's 11:00.
    const added = await c.say('water the ferns today at 11am remind me 30 minutes before');
    const task = added.tasks[0];
    expect(task.reminders).toHaveLength(1);
    const reminder = `r~${task.id}~${task.reminders[0].id}`;
    for (let i = 0; i < 11; i++) {
      const r = await c.say('snooze water the ferns for 10 minutes');
      expect(r.reply).toBe('Snoozed the reminder of "water the ferns": it rings at Tue 2026-11-24 11:10.');
      expect(r.actions.filter((a: { method: string }) => a.method !== 'GET')).toEqual([
        { tool: 'snooze', method: 'POST', path: `/api/workflows/${reminder}/snooze`, status: 200 },
      ]);
    }
    const after = (await api.tasks('GET', `/api/tasks/${task.id}`, { token })).body;
    expect(after.reminders).toEqual([
      { id: task.reminders[0].id, offset: '-PT30M', snoozedUntil: '2026-11-24T10:10:00.000Z' },
    ]);
    const view = (await api.tasks('GET', `/api/workflows/${reminder}`, { token })).body;
    expect(view.nextAt).toBe('2026-11-24T10:10:00.000Z');
    expect((await c.say('snooze call mom')).reply).toBe('I could not find an open task called "call mom".');
    await c.say('call mom');
    expect((await c.say('snooze it')).reply).toBe(
      '"call mom" has no reminder to snooze: add one ("remind me about it tomorrow at 9am").',
    );
  });

  it('skips the next occurrence of a series and stops it, through /api/workflows', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('yoga every thursday at 6pm');
    const made = (await c.say('yes')).tasks[0];
    const id = `s~${made.seriesId}`;
    const skipped = await c.say('skip the next one');
    // The open instance is Thursday the 26th: the series' next planned one, the 3rd, is left out.
    expect(skipped.reply).toBe(
      'Skipped "yoga" on Thu 2026-12-03 18:00: it repeats every Thursday at 18:00, except 2026-12-03 18:00; next: Thu 2026-11-26 18:00, Thu 2026-12-10 18:00, Thu 2026-12-17 18:00.',
    );
    expect(skipped.actions.filter((a: { method: string }) => a.method === 'POST')).toEqual([
      { tool: 'skip', method: 'POST', path: `/api/workflows/${id}/skip`, status: 200 },
    ]);
    expect(skipped.tasks[0]).toMatchObject({ id: made.id, status: 'open' });
    expect(skipped.tasks[0].recurrence.exdate).toEqual(['2026-12-03T18:00']);
    const undone = await c.say('undo');
    expect(undone.tasks[0].recurrence.exdate).toBeUndefined();
    const stopped = await c.say('stop repeating yoga');
    expect(stopped.reply).toBe('"yoga" no longer repeats.');
    expect(stopped.actions.at(-2)).toMatchObject({ tool: 'cancel', path: `/api/workflows/${id}/cancel` });
    expect((await c.say('pause it')).reply).toBe('"yoga" does not repeat, so there is nothing to pause.');
  });

  it('skips the open instance of an after-completion series, which plans nothing ahead', async () => {
    const c = api.conversation(await api.signup());
    await c.say('water the plants every 3 days after I finish it starting tomorrow');
    const made = (await c.say('yes')).tasks[0];
    expect(made.recurrence.mode).toBe('after-completion');
    const skipped = await c.say('skip it');
    expect(skipped.reply).toBe('Skipped this occurrence of "water the plants".');
    expect(skipped.actions.filter((a: { method: string }) => a.method === 'POST')).toEqual([
      { tool: 'skip', method: 'POST', path: `/api/workflows/s~${made.seriesId}/skip`, status: 409 },
      { tool: 'skip', method: 'POST', path: `/api/tasks/${made.id}/skip`, status: 200 },
    ]);
    expect(skipped.tasks[0].status).toBe('skipped');
  });

  it('does nothing twice when a client retries a turn with the same Idempotency-Key', async () => {
    const token = await api.signup();
    const send = (headers: Record<string, string>, body: Record<string, unknown>) =>
      api.chat('POST', '/api/chat', { token, headers, body });
    const first = await send({ 'idempotency-key': 'msg-1' }, { message: 'buy stamps friday' });
    expect(first.status).toBe(200);
    // The answer was lost on the way: the client sends the same turn again, and gets the same answer.
    const retry = await send({ 'idempotency-key': 'msg-1' }, { message: 'buy stamps friday' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    const conversationId = first.body.conversationId;
    const next = await send({ 'idempotency-key': 'msg-2' }, { conversationId, message: 'make it urgent' });
    const again = await send({ 'idempotency-key': 'msg-2' }, { conversationId, message: 'make it urgent' });
    expect(again.body).toEqual(next.body);
    const tasks = (await api.tasks('GET', '/api/tasks', { token })).body.tasks;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: 'buy stamps', priority: 'high', version: 2 });
    const history = await api.chat('GET', `/api/chat/${conversationId}`, { token });
    expect(history.body.history.map((t: { text: string }) => t.text)).toEqual([
      'buy stamps friday',
      first.body.reply,
      'make it urgent',
      next.body.reply,
    ]);
    // The same key with another message is another turn.
    const other = await send({ 'idempotency-key': 'msg-2' }, { conversationId, message: 'tag it #post' });
    expect(other.body.tasks[0].tags).toEqual(['post']);
  });

  it('does nothing twice when a turn that acted but was not saved is sent again', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    const added = await c.say('dentist friday 3pm');
    const id = added.tasks[0].id;
    for (const message of ['remind me about it thursday at 6pm', 'water the ferns', 'complete it']) {
      api.loseNextSave();
      const lost = await api.chat('POST', '/api/chat', {
        token,
        body: { conversationId: c.id, message },
      });
      expect(lost.status).toBe(409);
      expect(lost.body.error.code).toBe('CONVERSATION_CHANGED');
      // The client sends the turn again: the changes carry the keys of the first attempt.
      const retried = await c.say(message);
      expect(retried.actions.filter((a: { method: string }) => a.method !== 'GET').length).toBeGreaterThan(0);
    }
    const tasks = (await api.tasks('GET', '/api/tasks?q=', { token })).body.tasks;
    expect(tasks.map((t: { title: string }) => t.title).sort()).toEqual(['dentist', 'water the ferns']);
    const dentist = tasks.find((t: { id: string }) => t.id === id);
    expect(dentist.reminders).toEqual([{ id: expect.any(String), at: '2026-11-26T17:00:00Z' }]);
    // Added, reminded, then nothing: "complete it" acted on the ferns, once.
    expect(dentist.version).toBe(2);
    expect(tasks.find((t: { id: string }) => t.id !== id)).toMatchObject({ status: 'done', version: 2 });
  });

  it('answers help, questions and refusals without acting', async () => {
    const c = api.conversation(await api.signup());
    expect((await c.say('help')).reply).toContain('I manage your tasks');
    expect((await c.say('complete it')).reply).toBe(
      'Which task? Name it ("the dentist task") or show a list first.',
    );
    expect((await c.say('remind me to call mom')).reply).toBe(
      'When should I remind you? For example "tomorrow at 9am".',
    );
    await c.say('water plants');
    const skip = await c.say('skip it');
    expect(skip.reply).toBe('Only a repeating task can skip an occurrence.');
    expect(skip.actions.filter((a: { method: string }) => a.method !== 'GET')).toEqual([]);
  });

  it('keeps the history, readable by its owner only', async () => {
    const token = await api.signup();
    const c = api.conversation(token);
    await c.say('buy milk');
    await c.say('undo');
    const mine = await api.chat('GET', `/api/chat/${c.id}`, { token });
    expect(mine.status).toBe(200);
    expect(mine.body.history.map((h: any) => [h.role, h.text])).toEqual([
      ['user', 'buy milk'],
      ['assistant', 'Added "buy milk".'],
      ['user', 'undo'],
      ['assistant', 'Undone: removed "buy milk" again.'],
    ]);
    const other = await api.chat('GET', `/api/chat/${c.id}`, { token: await api.signup() });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('CONVERSATION_NOT_FOUND');
    // Naming someone else's conversation id starts a fresh one of your own: nothing of theirs leaks.
    const r = await api.chat('POST', '/api/chat', {
      token: await api.signup(),
      body: { conversationId: c.id, message: 'complete it' },
    });
    expect(r.body.reply).toBe('Which task? Name it ("the dentist task") or show a list first.');
  });
});

describe('POST /api/chat: bad input', () => {
  const post = async (body: unknown, token?: string) =>
    api.chat('POST', '/api/chat', { body, ...(token ? { token } : {}) });

  it.each([
    ['empty', { message: '' }, 'message', 'must not be empty'],
    ['blank', { message: ' \n\t ' }, 'message', 'must not be empty'],
    ['too long', { message: 'a'.repeat(4001) }, 'message', 'at most 4000 characters'],
    [
      'a bell',
      { message: 'buy milk\u0007' },
      'message',
      'must not contain control characters other than newline and tab',
    ],
    [
      'a NUL',
      { message: 'buy\u0000milk' },
      'message',
      'must not contain control characters other than newline and tab',
    ],
    ['no message', {}, 'message', 'Invalid input: expected string, received undefined'],
    ['an unknown field', { message: 'hi', owner: 'someone' }, 'owner', 'unknown field'],
    [
      'a bad conversation id',
      { message: 'hi', conversationId: '../x' },
      'conversationId',
      'expected 1 to 64 letters, digits, _ or -',
    ],
  ])('%s is a 400 naming the field', async (_name, body, path, issue) => {
    const r = await post(body, await api.signup());
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details).toContainEqual({ path, issue });
  });

  it('a 10 kB message is a 400 with the error shape, not a 500', async () => {
    const r = await post({ message: 'x'.repeat(10_240) }, await api.signup());
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ path: 'message', issue: 'at most 4000 characters' }]);
  });

  it('a body past the size limit is a 413 with the error shape', async () => {
    const r = await post({ message: 'x'.repeat(100_000) }, await api.signup());
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('keeps newlines and tabs', async () => {
    const r = await post({ message: 'buy\tmilk\n' }, await api.signup());
    expect(r.status).toBe(200);
  });

  it('needs a valid bearer token', async () => {
    const none = await post({ message: 'buy milk' });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const forged = await post({ message: 'buy milk' }, 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl');
    expect(forged.status).toBe(401);
  });

  it('malformed JSON is a 400', async () => {
    const r = await api.chat('POST', '/api/chat', {
      body: '{"message": "hi"',
      headers: { 'content-type': 'application/json' },
      token: await api.signup(),
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_JSON');
  });
});

describe('POST /api/chat: the web session cookie', () => {
  it("acts as the cookie's owner on the tasks API, and stops when the session ends", async () => {
    // The cookie carries the same signed token sign-up answers.
    const token = await api.signup();
    const cookie = { cookie: `todo_session=${token}` };
    const added = await api.chat('POST', '/api/chat', {
      body: { message: 'buy bread tomorrow' },
      headers: cookie,
    });
    expect(added.status).toBe(200);
    expect(added.body.actions).toEqual([{ tool: 'add', method: 'POST', path: '/api/tasks', status: 201 }]);
    const mine = await api.tasks('GET', '/api/tasks', { token });
    expect(mine.body.tasks.map((t: { title: string }) => t.title)).toEqual(['buy bread']);

    const foreign = await api.chat('POST', '/api/chat', {
      body: { message: 'buy jam tomorrow' },
      headers: { ...cookie, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);

    expect((await api.tasks('POST', '/api/auth/signout', { token })).status).toBe(204);
    // Chat verifies the signature only (it has no session store); the tasks service refuses the session,
    // and the chat call is refused with it.
    const after = await api.chat('POST', '/api/chat', {
      body: { message: 'buy jam tomorrow' },
      headers: cookie,
    });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/session has ended/);
  });
});

describe('POST /api/chat: a rate per owner', async () => {
  const limited = await testChat({ turnsPerMinute: 3 });

  it('answers 429 with Retry-After past the rate, acting on nothing, and other owners go on', async () => {
    const token = await limited.signup();
    const c = limited.conversation(token);
    for (const message of ['buy eggs', 'buy flour', 'buy sugar']) await c.say(message);
    const refused = await limited.chat('POST', '/api/chat', {
      token,
      body: { conversationId: c.id, message: 'buy butter' },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.error).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'at most 3 messages a minute: wait a little',
    });
    expect((await limited.tasks('GET', '/api/tasks', { token })).body.tasks).toHaveLength(3);
    expect((await limited.conversation(await limited.signup()).say('buy butter')).reply).toBe(
      'Added "buy butter".',
    );
  });
});

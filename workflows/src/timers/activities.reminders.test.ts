import { fixedClock, ReminderDue, TimerResult } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { memoryPublisher, memoryTasks } from '../testing/memory.ts';
import { createTimerActivities, reminderEventId, runTimerJob } from './activities.ts';

function setup() {
  const clock = fixedClock('2025-06-10T08:00:00Z');
  const tasks = memoryTasks({ clock, zone: 'Europe/Berlin' });
  const pub = memoryPublisher();
  const acts = createTimerActivities({ tasks, publisher: pub.publisher, clock });
  return { clock, tasks, pub, acts };
}
const reminder = { due: { date: '2025-06-10', time: '11:00' }, reminders: [{ id: 'r', offset: '-PT30M' }] };
// 11:00 floating in Berlin (CEST) is 09:00Z; 30 minutes before:
const FIRE = '2025-06-10T08:30:00.000Z';

describe('fireReminder', () => {
  it('publishes reminder.due with an id derived from task, reminder and fire time', async () => {
    const { tasks, pub, acts } = setup();
    const t = await tasks.create('u1', { title: 'call mum', ...reminder });
    const input = { owner: 'u1', taskId: t.id, reminderId: 'r', fireAt: FIRE };
    expect(await acts.fireReminder(input)).toBe('published');
    expect(await acts.fireReminder(input)).toBe('published');
    expect(pub.published).toHaveLength(2);
    const [a, b] = pub.published;
    expect(a).toEqual(b);
    expect(ReminderDue.parse(a)).toMatchObject({
      id: reminderEventId(t.id, 'r', FIRE),
      type: 'reminder.due',
      subject: t.id,
      time: FIRE,
      data: {
        owner: 'u1',
        taskId: t.id,
        reminderId: 'r',
        title: 'call mum',
        fireAt: FIRE,
        due: reminder.due,
      },
    });
    expect(reminderEventId(t.id, 'r', '2025-06-10T08:30:00Z')).toBe(a!.id);
    expect(reminderEventId(t.id, 'r', '2025-06-10T08:31:00Z')).not.toBe(a!.id);
    expect(reminderEventId(t.id, 'q', FIRE)).not.toBe(a!.id);
  });

  it('does not fire for a task that is gone, done, paused, or whose reminder moved or went', async () => {
    const { tasks, pub, acts } = setup();
    const input = (taskId: string, fireAt = FIRE, reminderId = 'r') => ({
      owner: 'u1',
      taskId,
      reminderId,
      fireAt,
    });
    expect(await acts.fireReminder(input('nope'))).toBe('gone');
    const a = await tasks.create('u1', { title: 'a', ...reminder });
    expect(await acts.fireReminder({ ...input(a.id), owner: 'someone else' })).toBe('gone');
    await tasks.complete(a.id);
    expect(await acts.fireReminder(input(a.id))).toBe('closed');
    const b = await tasks.create('u1', {
      title: 'b',
      ...reminder,
      recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule', paused: true },
    });
    expect(await acts.fireReminder(input(b.id))).toBe('paused');
    const c = await tasks.create('u1', { title: 'c', ...reminder });
    expect(await acts.fireReminder(input(c.id, '2025-06-10T08:00:00.000Z'))).toBe('moved');
    expect(await acts.fireReminder(input(c.id, FIRE, 'other'))).toBe('removed');
    await tasks.update(c.id, { due: { date: '2025-06-10', time: '12:00' } });
    expect(await acts.fireReminder(input(c.id))).toBe('moved');
    expect(pub.published).toEqual([]);
    expect(await acts.fireReminder(input(c.id, '2025-06-10T09:30:00.000Z'))).toBe('published');
  });

  it('fails (to be retried) when the publisher fails', async () => {
    const clock = fixedClock('2025-06-10T08:00:00Z');
    const tasks = memoryTasks({ clock, zone: 'Europe/Berlin' });
    const pub = memoryPublisher(() => true);
    const acts = createTimerActivities({ tasks, publisher: pub.publisher, clock });
    const t = await tasks.create('u1', { title: 'x', ...reminder });
    await expect(
      acts.fireReminder({ owner: 'u1', taskId: t.id, reminderId: 'r', fireAt: FIRE }),
    ).rejects.toThrow('broker down');
  });
});

describe('runTimerJob', () => {
  it('answers the one typed result: fired, stale with the reason, or made with the next plan', async () => {
    const { tasks, acts, clock } = setup();
    const t = await tasks.create('u1', { title: 'call mum', ...reminder });
    const fire = { kind: 'reminder', owner: 'u1', taskId: t.id, reminderId: 'r' } as const;
    expect(await runTimerJob(acts, { ...fire, fireAt: FIRE })).toEqual({ outcome: 'fired' });
    expect(await runTimerJob(acts, { ...fire, fireAt: '2025-06-10T08:00:00.000Z' })).toEqual({
      outcome: 'stale',
      reason: 'moved',
    });
    const head = await tasks.create('u1', {
      title: 'standup',
      due: { date: '2025-06-10', time: '09:00' },
      recurrence: { rrule: 'FREQ=DAILY;COUNT=3', mode: 'schedule' },
    });
    clock.set('2025-06-11T09:00:00Z');
    const made = await runTimerJob(acts, {
      kind: 'materialise',
      owner: 'u1',
      seriesId: head.id,
      fromTaskId: head.id,
      occurrence: '2025-06-11T09:00',
    });
    expect(made).toMatchObject({
      outcome: 'made',
      next: { at: '2025-06-12T07:00:00.000Z', job: { kind: 'materialise', occurrence: '2025-06-12T09:00' } },
    });
    expect(TimerResult.parse(made)).toEqual(made);
    const due = { kind: 'due', owner: 'u1', taskId: head.id, at: '2025-06-10T07:00:00.000Z' } as const;
    expect(await runTimerJob(acts, due)).toEqual({ outcome: 'fired' });
    expect(await runTimerJob(acts, { ...due, at: '2025-06-10T08:00:00.000Z' })).toMatchObject({
      outcome: 'stale',
    });
  });
});

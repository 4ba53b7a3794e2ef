import { ReminderDue, type Clock } from '@todo/core';
import type { Logger } from 'pino';
import { deterministicId, type NotificationPublisher, type TasksReader } from '../deps.ts';
import { DEFAULT_SCHEDULE, reminderFireTimes, type ScheduleOptions } from '../schedule.ts';

export interface ReminderActivityDeps {
  tasks: TasksReader;
  publisher: NotificationPublisher;
  clock: Clock;
  logger?: Logger;
  schedule?: ScheduleOptions;
}

export interface FireReminderInput {
  owner: string;
  taskId: string;
  reminderId: string;
  /** The fire time the timer was set for (UTC ISO). */
  fireAt: string;
}

/** Why a reminder fired or did not; anything but `published` means the timer was stale. */
export type FireOutcome = 'published' | 'gone' | 'closed' | 'paused' | 'removed' | 'moved';

/** The id of the `reminder.due` event for one firing: the same for every replay of it. */
export const reminderEventId = (taskId: string, reminderId: string, fireAt: string) =>
  deterministicId('reminder', taskId, reminderId, new Date(fireAt).toISOString());

/** The reminder activities, shared by the embedded timers and (later) the Dapr reminder workflow. */
export function createActivities({
  tasks,
  publisher,
  logger,
  schedule = DEFAULT_SCHEDULE,
}: ReminderActivityDeps) {
  return {
    /**
     * Publishes `reminder.due` if the task is still open, its series not paused, and the reminder still
     * there with the same fire time; otherwise does nothing (a newer timer, if any, was set by then).
     */
    async fireReminder(input: FireReminderInput): Promise<FireOutcome> {
      const task = await tasks.getTask(input.owner, input.taskId);
      const outcome: FireOutcome = await (async () => {
        if (!task) return 'gone';
        if (task.status !== 'open') return 'closed';
        if (task.recurrence?.paused) return 'paused';
        if (!task.reminders.some((r) => r.id === input.reminderId)) return 'removed';
        const zone = await tasks.ownerZone(input.owner);
        const fire = reminderFireTimes(task, zone, schedule).find((f) => f.reminderId === input.reminderId);
        if (!fire || Date.parse(fire.fireAt) !== Date.parse(input.fireAt)) return 'moved';
        return 'published';
      })();
      if (outcome !== 'published' || !task) {
        logger?.debug({ ...input, outcome }, 'reminder: not fired');
        return outcome;
      }
      const fireAt = new Date(input.fireAt).toISOString();
      const event = ReminderDue.parse({
        id: reminderEventId(task.id, input.reminderId, fireAt),
        type: 'reminder.due',
        time: fireAt,
        subject: task.id,
        version: task.version,
        data: {
          owner: input.owner,
          taskId: task.id,
          reminderId: input.reminderId,
          title: task.title,
          fireAt,
          ...(task.due ? { due: task.due } : {}),
        },
      });
      await publisher.publish(event);
      return 'published';
    },
  };
}

export type ReminderActivities = ReturnType<typeof createActivities>;

import { z } from 'zod';
import { WorkflowRef } from './workflows.ts';

// A timer is one reminder, one instance's due, or one series' next occurrence. One id names it
// everywhere: the embedded timer table's key, the Dapr workflow instance id and, for the reminders and
// series the management API lists, the `/api/workflows/:id` id. Task, reminder and series ids are
// letters, digits, _ and - (UUIDs and the reminder id pattern), so `~` (unreserved in URLs: no escaping)
// can separate them.

/** Which timer: a workflow the management API names, or an instance's due (which it does not list). */
export const TimerRef = z.discriminatedUnion('kind', [
  ...WorkflowRef.options,
  z.strictObject({ kind: z.literal('due'), taskId: z.string().min(1).max(200) }),
]);
export type TimerRef = z.infer<typeof TimerRef>;

/** The stable id of a timer: `r~{taskId}~{reminderId}`, `d~{taskId}` or `s~{seriesId}`. */
export function timerId(ref: TimerRef): string {
  if (ref.kind === 'reminder') return `r~${ref.taskId}~${ref.reminderId}`;
  return ref.kind === 'due' ? `d~${ref.taskId}` : `s~${ref.seriesId}`;
}

/** The timer an id names, or null when it is not a timer id. */
export function parseTimerId(id: string): TimerRef | null {
  const [tag, a, b, ...rest] = id.split('~');
  if (!a || rest.length > 0) return null;
  if (tag === 'r') return b ? { kind: 'reminder', taskId: a, reminderId: b } : null;
  if (b !== undefined) return null;
  if (tag === 'd') return { kind: 'due', taskId: a };
  return tag === 's' ? { kind: 'series', seriesId: a } : null;
}

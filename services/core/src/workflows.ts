import { z } from 'zod';

// The workflow management view: what the task service answers on /api/workflows (shared with the web app
// and the chat), and what it asks the workflow engine about each workflow (across a process boundary).

export const WORKFLOW_KINDS = ['reminder', 'series'] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

/** Which workflow: one reminder of one task, or one recurring series. */
export const WorkflowRef = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('reminder'),
    taskId: z.string().min(1).max(200),
    reminderId: z.string().min(1).max(200),
  }),
  z.strictObject({ kind: z.literal('series'), seriesId: z.string().min(1).max(200) }),
]);
export type WorkflowRef = z.infer<typeof WorkflowRef>;

export const WORKFLOW_STATES = ['sleeping', 'waiting', 'done', 'failed', 'none'] as const;
export const WorkflowState = z.enum(WORKFLOW_STATES);
export type WorkflowState = z.infer<typeof WorkflowState>;

/** What the engine says of one workflow: `at` is the time it sleeps until (UTC ISO). */
export const WorkflowInspection = z.object({
  state: WorkflowState,
  at: z.iso.datetime({ offset: true }).optional(),
});
export type WorkflowInspection = z.infer<typeof WorkflowInspection>;

/** The workflow engine of a profile, asked about many workflows at once. */
export interface WorkflowInspector {
  /** One inspection per ref, in the same order. */
  inspect(refs: WorkflowRef[]): Promise<WorkflowInspection[]>;
}

/** One reminder or series as the management API shows it. */
export const WorkflowInfo = z.object({
  /** Stable: `timerId(ref)`, `r~{taskId}~{reminderId}` or `s~{seriesId}`. */
  id: z.string(),
  kind: z.enum(WORKFLOW_KINDS),
  /** The reminder's task, or the series' newest instance (its head). */
  taskId: z.string(),
  reminderId: z.string().optional(),
  seriesId: z.string().optional(),
  title: z.string(),
  /** What the engine says now ('unknown' when it can not be asked); it follows a change within moments. */
  status: z.enum([...WORKFLOW_STATES, 'unknown']),
  /** When the schedule says the workflow acts next: a reminder rings, a series makes its next instance. */
  nextAt: z.string().optional(),
  paused: z.boolean().optional(),
  /** In words: when the reminder rings, or the series' rule and next occurrence. */
  detail: z.string().optional(),
});
export type WorkflowInfo = z.infer<typeof WorkflowInfo>;

/** `POST /api/workflows/:id/snooze`: for some minutes from now, or until an instant. */
export const SnoozeRequest = z.union([
  z.strictObject({
    minutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
  }),
  z.strictObject({ until: z.iso.datetime({ offset: true }) }),
]);
export type SnoozeRequest = z.infer<typeof SnoozeRequest>;

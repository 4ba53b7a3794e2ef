// Small pieces shared by the pages.
import type { TaskView } from './lib/format.ts';
import { formatDue, formatLocal } from './lib/format.ts';

export function FieldError({ id, text }: { id: string; text?: string | undefined }) {
  if (!text) return null;
  return (
    <p className="error" id={id} role="alert">
      {text}
    </p>
  );
}

/** A task as a card: due, priority, tags, and for a series the rule in words with its next dates. */
export function TaskCard({ task, children }: { task: TaskView; children?: React.ReactNode }) {
  return (
    <article className={`card${task.status === 'done' ? ' done' : ''}`} aria-label={task.title}>
      <h3>
        <a href={`/tasks/${task.id}`}>{task.title}</a>
      </h3>
      <p className="muted">
        {formatDue(task.due)}
        {task.priority !== 'none' && ` · ${task.priority} priority`}
        {task.status !== 'open' && ` · ${task.status}`}
        {task.reminders.length > 0 &&
          ` · ${task.reminders.length} reminder${task.reminders.length > 1 ? 's' : ''}`}
      </p>
      {task.tags.length > 0 && (
        <p className="tags">
          {task.tags.map((t) => (
            <span key={t}>#{t}</span>
          ))}
        </p>
      )}
      {task.rule && (
        <p>
          {task.rule.text}
          {task.recurrence?.paused && ' (paused)'}
          {task.rule.next.length > 0 && (
            <>
              {'. Next: '}
              {task.rule.next.map(formatLocal).join('; ')}
            </>
          )}
        </p>
      )}
      {children}
    </article>
  );
}

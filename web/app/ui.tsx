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

/** A labelled form field; `error` is the id and text of its message, when the page shows one per field. */
export function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: { id: string; text?: string | undefined } | undefined;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error && <FieldError id={error.id} text={error.text} />}
    </div>
  );
}

/**
 * The email and password of the sign-in and sign-up forms. A new password asks the browser for at least
 * 8 characters; with `issues`, each field shows its own.
 */
export function CredentialFields({
  email,
  password,
  issues,
}: {
  email?: string | undefined;
  password: 'current-password' | 'new-password';
  issues?: Record<string, string>;
}) {
  return (
    <>
      <Field id="email" label="Email" error={issues && { id: 'email-error', text: issues.email }}>
        <input id="email" name="email" type="email" autoComplete="email" required defaultValue={email} />
      </Field>
      <Field id="password" label="Password" error={issues && { id: 'password-error', text: issues.password }}>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete={password}
          required
          minLength={password === 'new-password' ? 8 : undefined}
        />
      </Field>
    </>
  );
}

/** A select's choices, each a value and its label. */
export function Options({ choices }: { choices: readonly (readonly [value: string, label: string])[] }) {
  return choices.map(([value, label]) => (
    <option key={value} value={value}>
      {label}
    </option>
  ));
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

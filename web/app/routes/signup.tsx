import { useEffect, useRef } from 'react';
import { Form, Link, useActionData, useNavigation } from 'react-router';
import type { ActionFunctionArgs, MetaFunction } from 'react-router';
import { postCredentials } from '../lib/session.server.ts';
import { CredentialFields, Field, FieldError } from '../ui.tsx';

export const meta: MetaFunction = () => [{ title: 'Sign up · todo' }];

export function action(args: ActionFunctionArgs) {
  return postCredentials(args, '/api/auth/signup', {
    extra: (form) => ({ tz: String(form.get('tz') || 'UTC') }),
  });
}

export default function SignUp() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const tz = useRef<HTMLInputElement>(null);
  // The browser knows its zone; without JavaScript the field keeps UTC and can be typed.
  useEffect(() => {
    if (tz.current && tz.current.value === 'UTC')
      tz.current.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
  }, []);
  const issues = result?.issues ?? {};
  return (
    <main className="page narrow" id="main">
      <h1>Create your account</h1>
      <Form method="post" noValidate={false}>
        <CredentialFields email={result?.email} password="new-password" issues={issues} />
        <Field id="tz" label="Time zone" error={{ id: 'tz-error', text: issues.tz }}>
          <input id="tz" name="tz" ref={tz} defaultValue="UTC" autoComplete="off" />
        </Field>
        <FieldError id="form-error" text={issues.form} />
        <button type="submit" disabled={busy}>
          Sign up
        </button>
      </Form>
      <p>
        Have an account? <Link to="/signin">Sign in</Link>
      </p>
    </main>
  );
}

import { useEffect, useRef } from 'react';
import {
  data,
  Form,
  Link,
  useActionData,
  useNavigation,
  type ActionFunctionArgs,
  type MetaFunction,
} from 'react-router';
import { apiClient, issuesOf } from '../lib/api.server.ts';
import { signedIn } from '../lib/session.server.ts';
import { FieldError } from '../ui.tsx';

export const meta: MetaFunction = () => [{ title: 'Sign up · todo' }];

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const body = {
    email: String(form.get('email') ?? ''),
    password: String(form.get('password') ?? ''),
    tz: String(form.get('tz') || 'UTC'),
  };
  const res = await apiClient(request, context).call('POST', '/api/auth/signup', body);
  if (res.ok) return signedIn(res, null);
  return data({ issues: issuesOf(res.error), email: body.email }, { status: res.status });
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
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={result?.email}
          />
          <FieldError id="email-error" text={issues.email} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
          />
          <FieldError id="password-error" text={issues.password} />
        </div>
        <div className="field">
          <label htmlFor="tz">Time zone</label>
          <input id="tz" name="tz" ref={tz} defaultValue="UTC" autoComplete="off" />
          <FieldError id="tz-error" text={issues.tz} />
        </div>
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

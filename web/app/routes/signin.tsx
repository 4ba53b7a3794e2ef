import { Form, Link, useActionData, useNavigation, useSearchParams } from 'react-router';
import type { ActionFunctionArgs, MetaFunction } from 'react-router';
import { postCredentials } from '../lib/session.server.ts';
import { CredentialFields, FieldError } from '../ui.tsx';

export const meta: MetaFunction = () => [{ title: 'Sign in · todo' }];

export function action(args: ActionFunctionArgs) {
  return postCredentials(args, '/api/auth/signin', {
    next: new URL(args.request.url).searchParams.get('next'),
  });
}

export default function SignIn() {
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== 'idle';
  const issues = result?.issues ?? {};
  return (
    <main className="page narrow" id="main">
      <h1>Sign in</h1>
      {params.get('bye') && <p role="status">You are signed out.</p>}
      <Form method="post">
        <CredentialFields email={result?.email} password="current-password" />
        <FieldError id="form-error" text={issues.form ?? Object.values(issues)[0]} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </Form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </main>
  );
}

import {
  data,
  Form,
  Link,
  useActionData,
  useNavigation,
  useSearchParams,
  type ActionFunctionArgs,
  type MetaFunction,
} from 'react-router';
import { apiClient, issuesOf } from '../lib/api.server.ts';
import { signedIn } from '../lib/session.server.ts';
import { FieldError } from '../ui.tsx';

export const meta: MetaFunction = () => [{ title: 'Sign in · todo' }];

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const body = { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') };
  const res = await apiClient(request, context).call('POST', '/api/auth/signin', body);
  if (res.ok) return signedIn(res, new URL(request.url).searchParams.get('next'));
  return data({ issues: issuesOf(res.error), email: body.email }, { status: res.status });
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
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
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

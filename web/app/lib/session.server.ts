import { data, redirect, type ActionFunctionArgs } from 'react-router';
import { apiClient, issuesOf, passCookies, type ApiResult } from './api.server.ts';

/**
 * After sign in or sign up: the API's session cookie (httpOnly; the token inside it never reaches page
 * scripts) goes on to the browser with a redirect. Only a path on this site is followed after sign-in.
 */
export function signedIn(res: ApiResult<unknown>, next: string | null): Response {
  const to = next && /^\/(?!\/)/.test(next) ? next : '/';
  return redirect(to, { headers: passCookies(res.headers) });
}

/**
 * The sign-in and sign-up forms' action: posts the email, the password and `extra` fields to `path`.
 * Accepted, the browser is signed in and goes on to `next`; refused, the page gets the API's issues back
 * with the email as typed.
 */
export async function postCredentials(
  { request, context }: ActionFunctionArgs,
  path: '/api/auth/signin' | '/api/auth/signup',
  {
    extra = () => ({}),
    next = null,
  }: { extra?: (form: FormData) => Record<string, string>; next?: string | null },
) {
  const form = await request.formData();
  const body = {
    email: String(form.get('email') ?? ''),
    password: String(form.get('password') ?? ''),
    ...extra(form),
  };
  const res = await apiClient(request, context).call('POST', path, body);
  if (res.ok) return signedIn(res, next);
  return data({ issues: issuesOf(res.error), email: body.email }, { status: res.status });
}

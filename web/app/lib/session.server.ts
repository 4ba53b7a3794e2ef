import { redirect } from 'react-router';
import { passCookies, type ApiResult } from './api.server.ts';

/**
 * After sign in or sign up: the API's session cookie (httpOnly; the token inside it never reaches page
 * scripts) goes on to the browser with a redirect. Only a path on this site is followed after sign-in.
 */
export function signedIn(res: ApiResult<unknown>, next: string | null): Response {
  const to = next && /^\/(?!\/)/.test(next) ? next : '/';
  return redirect(to, { headers: passCookies(res.headers) });
}

import { redirect, type ActionFunctionArgs } from 'react-router';
import { apiClient, passCookies } from '../lib/api.server.ts';

/** POST only: "everywhere" revokes every session of the owner, otherwise just this one. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const path = form.get('everywhere') ? '/api/auth/signout-all' : '/api/auth/signout';
  const api = apiClient(request, context);
  const res = await api.call('POST', path);
  const headers = passCookies(res.headers);
  // Sign out everywhere leaves this browser's cookie naming a revoked session: end it here as well.
  if (form.get('everywhere')) passCookies((await api.call('POST', '/api/auth/signout')).headers, headers);
  return redirect('/signin?bye=1', { headers });
}

export function loader() {
  return redirect('/');
}

/**
 * Saved board views live in a cookie of this browser (no server state, and they work without JavaScript):
 * a short JSON list, read and written only by the web server.
 */
export interface SavedView {
  name: string;
  q: string;
  sort: string;
}
const COOKIE = 'todo_views';
const MAX = 12;

export function readViews(request: Request): SavedView[] {
  const raw = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]+)`).exec(
    request.headers.get('cookie') ?? '',
  )?.[1];
  if (!raw) return [];
  try {
    const list = JSON.parse(Buffer.from(raw, 'base64url').toString()) as unknown;
    if (!Array.isArray(list)) return [];
    return list
      .filter(
        (v): v is SavedView =>
          typeof v?.name === 'string' && typeof v?.q === 'string' && typeof v?.sort === 'string',
      )
      .slice(0, MAX);
  } catch {
    return [];
  }
}

export function viewsCookie(views: SavedView[]): string {
  const value = Buffer.from(JSON.stringify(views.slice(0, MAX))).toString('base64url');
  return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000`;
}

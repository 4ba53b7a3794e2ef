import { Form, Link, useLoaderData, type LoaderFunctionArgs, type MetaFunction } from 'react-router';
import { apiClient } from '../lib/api.server.ts';
import { Highlighted } from '../lib/highlight.tsx';
import { Facets, type SearchResult } from '../lib/search-ui.tsx';

export const meta: MetaFunction = () => [{ title: 'Search · todo' }];

/** The header box's results (as data for its fetcher) and a results page of its own without JavaScript. */
export async function loader({ request, context }: LoaderFunctionArgs): Promise<SearchResult> {
  const url = new URL(request.url);
  const q = url.searchParams.get('q')?.trim() ?? '';
  const filter = url.searchParams.get('filter')?.trim() ?? '';
  const empty = { q, filter, hits: [], total: 0, facets: {} };
  if (!q && !filter) return empty;
  const params = new URLSearchParams({ limit: '10', ...(q ? { q } : {}), ...(filter ? { filter } : {}) });
  const api = apiClient(request, context);
  const res = await api.call<Omit<SearchResult, 'q' | 'filter'>>('GET', `/api/search?${params}`);
  if (res.status === 401) return { ...empty, error: 'Sign in to search.' };
  if (!res.ok)
    return { ...empty, error: res.error?.details?.[0]?.issue ?? res.error?.message ?? 'Search failed' };
  return { q, filter, hits: res.body.hits, total: res.body.total, facets: res.body.facets ?? {} };
}

export default function SearchPage() {
  const result = useLoaderData<typeof loader>();
  return (
    <main className="page" id="main">
      <h1>Search</h1>
      <Form method="get" role="search" className="row">
        <div className="grow">
          <label htmlFor="search-page-q">Search tasks</label>
          <input id="search-page-q" name="q" defaultValue={result.q} type="search" />
        </div>
        {result.filter && <input type="hidden" name="filter" value={result.filter} />}
        <button type="submit">Search</button>
      </Form>
      {result.error && <p className="error">{result.error}</p>}
      <Facets result={result} />
      <p className="muted">
        {result.q || result.filter ? `${result.total} found` : 'Type a few letters; typos are fine.'}
      </p>
      <ul className="plain">
        {result.hits.map((h) => (
          <li key={h.id} className="card">
            <Link to={`/tasks/${h.id}`}>
              {h.highlight?.title ? <Highlighted text={h.highlight.title} /> : h.title}
            </Link>
            {h.highlight?.notes && (
              <p className="muted">
                <Highlighted text={h.highlight.notes} />
              </p>
            )}
            <p className="muted">
              {h.status} · {h.priority} {h.tags.map((t) => `#${t}`).join(' ')}
            </p>
          </li>
        ))}
      </ul>
    </main>
  );
}

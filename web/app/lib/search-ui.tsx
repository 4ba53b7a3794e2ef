// The search's result shape and facets, shared by the header box and the results page.

export interface Hit {
  id: string;
  title: string;
  priority: string;
  tags: string[];
  status: string;
  due?: { date: string; time?: string };
  highlight?: { title?: string; notes?: string };
}
export interface SearchResult {
  q: string;
  filter: string;
  hits: Hit[];
  total: number;
  facets: Record<string, Record<string, number>>;
  error?: string;
}

/** A facet value as a filter in the query language. */
export function facetFilter(field: string, value: string): string {
  return field === 'tags' ? `#${value}` : `${field}:${value}`;
}

export function Facets({ result, onPick }: { result: SearchResult; onPick?: (filter: string) => void }) {
  const entries = Object.entries(result.facets).filter(([, values]) => Object.keys(values).length > 0);
  if (!entries.length) return null;
  return (
    <div className="facets" aria-label="Facets">
      {entries.map(([field, values]) => (
        <span key={field}>
          <strong>{field}:</strong>{' '}
          {Object.entries(values).map(([value, n]) => {
            const filter = facetFilter(field, value);
            const href = `/search?${new URLSearchParams({ q: result.q, filter })}`;
            return onPick ? (
              <button
                key={value}
                type="button"
                className="plain"
                aria-pressed={result.filter === filter}
                onClick={() => onPick(filter)}
              >
                {value} ({n})
              </button>
            ) : (
              <a key={value} href={href} aria-current={result.filter === filter ? 'true' : undefined}>
                {value} ({n}){' '}
              </a>
            );
          })}
        </span>
      ))}
    </div>
  );
}

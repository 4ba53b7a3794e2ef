import { useEffect, useId, useRef, useState } from 'react';
import { Form, useFetcher, useNavigate } from 'react-router';
import { Highlighted } from './lib/highlight.tsx';
import { Facets, type SearchResult } from './lib/search-ui.tsx';

/**
 * The header's search: results as you type (debounced), facets, and the keyboard (up/down, Enter opens,
 * Escape closes). Without JavaScript it is a plain GET form to the results page.
 */
export function SearchBox() {
  const fetcher = useFetcher<SearchResult>();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const id = useId();
  const hits = fetcher.data?.hits ?? [];

  useEffect(() => {
    clearTimeout(timer.current);
    if (!q.trim() && !filter) return;
    timer.current = setTimeout(() => {
      void fetcher.load(`/search?${new URLSearchParams({ q, ...(filter ? { filter } : {}) })}`);
    }, 150);
    return () => clearTimeout(timer.current);
    // fetcher is stable enough for this; re-running on it would loop
  }, [q, filter]);

  const go = (taskId: string) => {
    setOpen(false);
    void navigate(`/tasks/${taskId}`);
  };
  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, hits.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open && hits[active]) {
      e.preventDefault();
      go(hits[active].id);
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };
  const showing = open && (q.trim() !== '' || filter !== '') && fetcher.data !== undefined;
  return (
    <Form method="get" action="/search" role="search" className="search">
      <label htmlFor={`${id}-q`} className="sr">
        Search tasks
      </label>
      <input
        id={`${id}-q`}
        name="q"
        type="search"
        placeholder="Search tasks"
        autoComplete="off"
        role="combobox"
        aria-expanded={showing}
        aria-controls={`${id}-list`}
        aria-autocomplete="list"
        aria-activedescendant={showing && active >= 0 ? `${id}-hit-${active}` : undefined}
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onFocus={() => setOpen(true)}
      />
      {filter && <input type="hidden" name="filter" value={filter} />}
      {showing && (
        <div className="results">
          {fetcher.data?.error && <p className="error">{fetcher.data.error}</p>}
          {fetcher.data && <Facets result={fetcher.data} onPick={(f) => setFilter(filter === f ? '' : f)} />}
          <ul className="plain" role="listbox" id={`${id}-list`} aria-label="Search results">
            {hits.map((h, i) => (
              <li
                key={h.id}
                id={`${id}-hit-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  go(h.id);
                }}
              >
                {h.highlight?.title ? <Highlighted text={h.highlight.title} /> : h.title}
                <span className="muted">
                  {' '}
                  · {h.status}
                  {h.priority !== 'none' ? ` · ${h.priority}` : ''}
                </span>
              </li>
            ))}
            {hits.length === 0 && !fetcher.data?.error && (
              <li role="option" aria-selected={false} aria-disabled="true" className="muted">
                Nothing found
              </li>
            )}
          </ul>
        </div>
      )}
    </Form>
  );
}

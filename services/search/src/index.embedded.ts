import { sortValue, toPredicate, type Sort, type Task } from '@todo/core';
import MiniSearch, { type SearchResult as MiniResult } from 'minisearch';
import {
  changeId,
  changeVersion,
  emptyFacets,
  MARK_END,
  MARK_START,
  markedToHtml,
  type IndexChange,
  type SearchHit,
  type SearchIndex,
  type SearchResult,
} from './search-index.ts';

/** What the engine holds per task id: the newest version seen, and the task unless it was deleted. */
interface Entry {
  owner: string;
  version: number;
  task?: Task;
}

type Doc = { id: string; title: string; notes: string; tags: string };

/** Lower case without diacritics, as Meilisearch normalises: "Café" finds "cafe". */
const normalise = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const WORD = /[\p{L}\p{N}]+/gu;

// Meilisearch's default typo tolerance: none below 5 letters, one from 5, two from 9.
const typos = (term: string) => (term.length >= 9 ? 2 : term.length >= 5 ? 1 : 0);

function miniIndex(): MiniSearch<Doc> {
  return new MiniSearch<Doc>({
    fields: ['title', 'notes', 'tags'],
    tokenize: (text) => text.match(WORD) ?? [],
    processTerm: (term) => normalise(term),
    searchOptions: {
      boost: { title: 3, tags: 2, notes: 1 },
      combineWith: 'AND',
      fuzzy: typos,
      // As Meilisearch: only the last word is also a prefix (the word being typed).
      prefix: (_term, i, terms) => i === terms.length - 1,
    },
  });
}

/** One owner's part of the engine: every search reads only its owner's part. */
class Shelf {
  readonly mini = miniIndex();
  readonly tasks = new Map<string, Task>();
}

/** The engine's state; a rebuild fills a new one and swaps it in. */
class Engine {
  readonly entries = new Map<string, Entry>();
  readonly shelves = new Map<string, Shelf>();

  apply(c: IndexChange): boolean {
    const id = changeId(c);
    const seen = this.entries.get(id);
    if (seen && seen.version >= changeVersion(c)) return false;
    const shelf = this.shelves.get(c.owner) ?? new Shelf();
    this.shelves.set(c.owner, shelf);
    if (seen?.task) shelf.mini.discard(id);
    if (c.op === 'upsert') {
      shelf.tasks.set(id, c.task);
      shelf.mini.add({ id, title: c.task.title, notes: c.task.notes ?? '', tags: c.task.tags.join(' ') });
      this.entries.set(id, { owner: c.owner, version: c.task.version, task: c.task });
    } else {
      shelf.tasks.delete(id);
      // The version stays, so an older change delivered late cannot bring the task back.
      this.entries.set(id, { owner: c.owner, version: c.version });
    }
    return true;
  }
}

/**
 * The search engine of the embedded profile and the local stack: MiniSearch (docs/decisions/0018), one
 * index per owner, filters by the query language's own predicate (exactly the store's semantics), sorted
 * and counted in process. Holds everything in memory: it is filled from the store or the topic at start.
 */
export function createEmbeddedIndex(): SearchIndex {
  let engine = new Engine();
  let building: Engine | undefined;

  return {
    async apply(changes) {
      let applied = 0;
      for (const c of changes) {
        if (engine.apply(c)) applied++;
        building?.apply(c);
      }
      return applied;
    },

    async search(q) {
      const shelf = engine.shelves.get(q.owner);
      if (!shelf) return { hits: [], total: 0, facets: emptyFacets() };
      const keep = toPredicate(q.filter, q.ctx);
      const text = q.text.trim();
      let matched: { task: Task; result?: MiniResult }[];
      if (text) {
        matched = shelf.mini
          .search(text, { filter: (r) => keep(shelf.tasks.get(r.id as string)!) })
          .map((result) => ({ task: shelf.tasks.get(result.id as string)!, result }));
      } else {
        matched = [...shelf.tasks.values()].filter(keep).map((task) => ({ task }));
      }
      if (q.sort) sortBy(matched, q.sort, q.ctx.zone);
      const facets = emptyFacets();
      for (const { task } of matched) {
        count(facets.priority, task.priority);
        count(facets.status, task.status);
        for (const tag of task.tags) count(facets.tags, tag);
      }
      const page = matched.slice(q.offset, q.offset + q.limit);
      return {
        hits: page.map(({ task, result }) => hitOf(task, result ? new Set(result.terms) : undefined)),
        total: matched.length,
        facets,
      } satisfies SearchResult;
    },

    async rebuild(fill) {
      building = new Engine();
      try {
        await fill(async (changes) => {
          for (const c of changes) building!.apply(c);
        });
        engine = building;
      } finally {
        building = undefined;
      }
      let tasks = 0;
      for (const shelf of engine.shelves.values()) tasks += shelf.tasks.size;
      return { tasks };
    },

    async ping() {},
    async close() {},
  };
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

/** The board's order; as in Meilisearch, tasks without a due come last whichever way due is sorted. */
function sortBy(items: { task: Task }[], sort: Sort, zone: string): void {
  const keyed = items.map((item) => ({
    item,
    v: sortValue(item.task, sort.key, zone),
    none: sort.key === 'due' && !item.task.due,
  }));
  keyed.sort((a, b) => {
    if (a.none !== b.none) return a.none ? 1 : -1;
    const c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    return c * sort.dir || (a.item.task.id < b.item.task.id ? -1 : 1);
  });
  keyed.forEach((k, i) => (items[i] = k.item));
}

function hitOf(task: Task, terms: Set<string> | undefined): SearchHit {
  const highlight: SearchHit['highlight'] = {};
  if (terms) {
    const title = mark(task.title, terms);
    if (title) highlight.title = title;
    const notes = task.notes && mark(crop(task.notes, terms), terms);
    if (notes) highlight.notes = notes;
  }
  return {
    id: task.id,
    title: task.title,
    priority: task.priority,
    tags: task.tags,
    ...(task.due ? { due: task.due } : {}),
    status: task.status,
    highlight,
  };
}

/** The text as HTML with every word that matched in <mark>; undefined when none did. */
function mark(text: string, terms: Set<string>): string | undefined {
  let any = false;
  const marked = text.replace(WORD, (word) => {
    if (!terms.has(normalise(word))) return word;
    any = true;
    return MARK_START + word + MARK_END;
  });
  return any ? markedToHtml(marked) : undefined;
}

const CROP_WORDS = 24;

/** About CROP_WORDS words of long notes around the first match, as Meilisearch crops them. */
function crop(text: string, terms: Set<string>): string {
  const words = [...text.matchAll(WORD)];
  if (words.length <= CROP_WORDS) return text;
  const first = Math.max(
    0,
    words.findIndex((w) => terms.has(normalise(w[0]))),
  );
  const from = Math.max(0, Math.min(first - CROP_WORDS / 2, words.length - CROP_WORDS));
  const start = words[from]!.index;
  const last = words[from + CROP_WORDS - 1]!;
  const end = last.index + last[0].length;
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

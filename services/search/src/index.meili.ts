import { dueInstant, meiliString, PRIORITY_RANK, toMeiliFilter, type Task } from '@todo/core';
import { Meilisearch, type Index, type Settings } from 'meilisearch';
import {
  changeId,
  changeVersion,
  emptyFacets,
  MARK_END,
  MARK_START,
  markedToHtml,
  type Facets,
  type IndexChange,
  type SearchIndex,
} from './search-index.ts';

/** A task as Meilisearch keeps it: the task's fields plus what filters and sorts need, or a tombstone. */
type TaskDoc = {
  id: string;
  owner: string;
  version: number;
  deleted: boolean;
  title?: string;
  notes?: string;
  tags?: string[];
  status?: Task['status'];
  priority?: Task['priority'];
  priorityRank?: number;
  due?: Task['due'] | null;
  /** The due's instant in epoch ms (floating dues read in the owner's zone), or null. */
  dueAt?: number | null;
  recurring?: boolean;
  hasReminder?: boolean;
  hasNotes?: boolean;
  seriesId?: string | null;
  createdAt?: number;
  updatedAt?: number;
  titleSort?: string;
};

/** The settings the index must have; applied at start-up and read back. */
export const MEILI_SETTINGS = {
  searchableAttributes: ['title', 'notes', 'tags'],
  filterableAttributes: [
    'id',
    'owner',
    'deleted',
    'status',
    'priority',
    'priorityRank',
    'tags',
    'dueAt',
    'recurring',
    'hasReminder',
    'hasNotes',
    'seriesId',
    'title',
    'notes',
  ],
  sortableAttributes: ['dueAt', 'priorityRank', 'createdAt', 'updatedAt', 'titleSort', 'id'],
  // Every hit matches every word (matchingStrategy "all"), so an explicit sort may lead: a board sorted by
  // due stays sorted by due; without a sort, relevance decides.
  rankingRules: ['sort', 'words', 'typo', 'proximity', 'attribute', 'exactness'],
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
  pagination: { maxTotalHits: 10_000 },
  faceting: { maxValuesPerFacet: 100 },
} satisfies Settings;

const SORT_FIELDS = {
  due: 'dueAt',
  priority: 'priorityRank',
  created: 'createdAt',
  updated: 'updatedAt',
  title: 'titleSort',
} as const;
const RETRIEVED = ['id', 'title', 'priority', 'tags', 'due', 'status'];

export function toDoc(c: IndexChange): TaskDoc {
  if (c.op === 'delete') return { id: c.id, owner: c.owner, version: c.version, deleted: true };
  const t = c.task;
  return {
    id: t.id,
    owner: c.owner,
    version: t.version,
    deleted: false,
    title: t.title,
    notes: t.notes ?? '',
    tags: t.tags,
    status: t.status,
    priority: t.priority,
    priorityRank: PRIORITY_RANK[t.priority],
    due: t.due ?? null,
    dueAt: t.due ? dueInstant(t.due, c.zone).toMillis() : null,
    recurring: t.recurrence !== undefined,
    hasReminder: t.reminders.length > 0,
    hasNotes: Boolean(t.notes),
    seriesId: t.seriesId ?? null,
    createdAt: Date.parse(t.createdAt),
    updatedAt: Date.parse(t.updatedAt),
    titleSort: t.title.toLowerCase(),
  };
}

export interface MeiliOptions {
  url: string;
  apiKey: string;
  /** The index uid; a rebuild fills `<uid>_rebuild` and swaps it in. */
  index?: string;
  /** How long to wait for Meilisearch to process a write. */
  timeoutMs?: number;
}

/**
 * The search index on Meilisearch. Writes are version-checked against the documents' stored versions and
 * waited for (the next check must see them), so a stale or repeated change never lands; a task's changes
 * arrive in order on one Kafka partition, and deleted tasks leave a contentless tombstone behind.
 */
export async function createMeiliIndex(opts: MeiliOptions): Promise<SearchIndex> {
  const client = new Meilisearch({ host: opts.url, apiKey: opts.apiKey });
  const uid = opts.index ?? 'tasks';
  const wait = { timeout: opts.timeoutMs ?? 30_000, interval: 10 };
  await client.updateExperimentalFeatures({ containsFilter: true });
  let live = await prepare(client, uid, wait);
  let building: Index<TaskDoc> | undefined;

  async function write(index: Index<TaskDoc>, changes: IndexChange[]): Promise<number> {
    const newest = new Map<string, IndexChange>();
    for (const c of changes) {
      const seen = newest.get(changeId(c));
      if (!seen || changeVersion(c) > changeVersion(seen)) newest.set(changeId(c), c);
    }
    if (newest.size === 0) return 0;
    const ids = [...newest.keys()];
    const stored = await index.getDocuments<Pick<TaskDoc, 'id' | 'version'>>({
      filter: `id IN [${ids.map(meiliString).join(', ')}]`,
      fields: ['id', 'version'],
      limit: ids.length,
    });
    const versions = new Map(stored.results.map((d) => [d.id, d.version]));
    const docs = [...newest.values()]
      .filter((c) => changeVersion(c) > (versions.get(changeId(c)) ?? 0))
      .map(toDoc);
    if (docs.length === 0) return 0;
    const task = await index.addDocuments(docs, { primaryKey: 'id' }).waitTask(wait);
    if (task.status !== 'succeeded')
      throw new Error(`meilisearch: adding documents ${task.status}: ${task.error?.message}`);
    return docs.length;
  }

  return {
    async apply(changes) {
      const applied = await write(live, changes);
      if (building) await write(building, changes);
      return applied;
    },

    async search(q) {
      const user = toMeiliFilter(q.filter, q.ctx);
      // The owner scope is the server's, outside the user's expression: nothing in it can widen this.
      const filter = `owner = ${meiliString(q.owner)} AND deleted = false${user ? ` AND ${user}` : ''}`;
      const res = await live.search(q.text, {
        filter,
        ...(q.sort
          ? { sort: [`${SORT_FIELDS[q.sort.key]}:${q.sort.dir === 1 ? 'asc' : 'desc'}`, 'id:asc'] }
          : {}),
        limit: q.limit,
        offset: q.offset,
        matchingStrategy: 'all',
        facets: ['priority', 'tags', 'status'],
        attributesToRetrieve: RETRIEVED,
        attributesToHighlight: ['title', 'notes'],
        attributesToCrop: ['notes'],
        cropLength: 24,
        cropMarker: '…',
        highlightPreTag: MARK_START,
        highlightPostTag: MARK_END,
      });
      const facets: Facets = { ...emptyFacets(), ...(res.facetDistribution as Partial<Facets>) };
      return {
        hits: res.hits.map((h) => {
          const f = (h._formatted ?? {}) as { title?: string; notes?: string };
          const highlight: { title?: string; notes?: string } = {};
          if (f.title?.includes(MARK_START)) highlight.title = markedToHtml(f.title);
          if (f.notes?.includes(MARK_START)) highlight.notes = markedToHtml(f.notes);
          return {
            id: h.id,
            title: h.title!,
            priority: h.priority!,
            tags: h.tags!,
            ...(h.due ? { due: h.due } : {}),
            status: h.status!,
            highlight,
          };
        }),
        total: res.estimatedTotalHits ?? res.hits.length,
        facets,
      };
    },

    async rebuild(fill) {
      const next = `${uid}_rebuild`;
      await client.deleteIndexIfExists(next);
      building = await prepare(client, next, wait);
      try {
        await fill(async (changes) => {
          await write(building!, changes);
        });
        const swap = await client.swapIndexes([{ indexes: [uid, next], rename: false }]).waitTask(wait);
        if (swap.status !== 'succeeded')
          throw new Error(`meilisearch: swap ${swap.status}: ${swap.error?.message}`);
      } finally {
        building = undefined;
      }
      await client.deleteIndex(next).waitTask(wait);
      live = client.index<TaskDoc>(uid);
      const stats = await live.getStats();
      const tombstones = await live.search('', { filter: 'deleted = true', limit: 0 });
      return { tasks: stats.numberOfDocuments - (tombstones.estimatedTotalHits ?? 0) };
    },

    async ping() {
      await client.health();
    },
    async close() {},
  };
}

/** Creates the index when missing and applies MEILI_SETTINGS, then reads them back: a mismatch throws. */
async function prepare(
  client: Meilisearch,
  uid: string,
  wait: { timeout: number; interval: number },
): Promise<Index<TaskDoc>> {
  const created = await client.createIndex(uid, { primaryKey: 'id' }).waitTask(wait);
  if (created.status !== 'succeeded' && created.error?.code !== 'index_already_exists')
    throw new Error(`meilisearch: creating index ${uid}: ${created.error?.message}`);
  const index = client.index<TaskDoc>(uid);
  const updated = await index.updateSettings(MEILI_SETTINGS).waitTask(wait);
  if (updated.status !== 'succeeded')
    throw new Error(`meilisearch: settings of ${uid}: ${updated.error?.message}`);
  const got = await index.getSettings();
  for (const [key, want] of Object.entries(MEILI_SETTINGS)) {
    const have = got[key as keyof Settings];
    // Order matters for ranking rules and searchable attributes, not for the filterable and sortable sets.
    const ordered = key === 'rankingRules' || key === 'searchableAttributes';
    const same = Array.isArray(want)
      ? JSON.stringify(ordered ? have : [...(have as string[])].sort()) ===
        JSON.stringify(ordered ? want : [...want].sort())
      : Object.entries(want).every(
          ([k, v]) => JSON.stringify((have as Record<string, unknown>)[k]) === JSON.stringify(v),
        );
    if (!same) throw new Error(`meilisearch: index ${uid} did not take ${key}: ${JSON.stringify(have)}`);
  }
  return index;
}

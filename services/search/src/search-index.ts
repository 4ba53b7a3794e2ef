import type { Priority, QueryContext, QueryNode, Sort, Status, Task, TaskEvent } from '@todo/core';

/** A change to one task's document: the task as it now is, or its deletion. `version` orders them. */
export type IndexChange =
  | { op: 'upsert'; owner: string; zone: string; task: Task }
  | { op: 'delete'; owner: string; id: string; version: number };

/** The change a task event makes to the index (every event carries the task as it now is). */
export function changeOf(event: TaskEvent): IndexChange {
  const { owner, zone = 'UTC', task } = event.data;
  return event.type === 'task.deleted'
    ? { op: 'delete', owner, id: event.subject, version: event.version }
    : { op: 'upsert', owner, zone, task: { ...task, version: event.version } };
}

export const changeId = (c: IndexChange) => (c.op === 'upsert' ? c.task.id : c.id);
export const changeVersion = (c: IndexChange) => (c.op === 'upsert' ? c.task.version : c.version);

/** One search: always one owner's tasks. `sort` null ranks by relevance. */
export interface SearchQuery {
  owner: string;
  ctx: QueryContext;
  /** Typo-tolerant words; the last one also matches as a prefix. Empty: every task the filter keeps. */
  text: string;
  filter: QueryNode | null;
  sort: Sort | null;
  limit: number;
  offset: number;
}

export interface SearchHit {
  id: string;
  title: string;
  priority: Priority;
  tags: string[];
  due?: Task['due'];
  status: Status;
  /** HTML: the text escaped, each matched word in <mark></mark>. Present where the words matched. */
  highlight: { title?: string; notes?: string };
}

export type Facets = Record<'priority' | 'tags' | 'status', Record<string, number>>;

export interface SearchResult {
  hits: SearchHit[];
  total: number;
  facets: Facets;
}

/**
 * The search index seam (docs/architecture.md): Meilisearch in the cluster, an in-process engine in the embedded
 * profile and the local stack. Both keep one document per task and apply changes in version order.
 */
export interface SearchIndex {
  /**
   * Applies changes, each only when it is newer than what the index holds for its task (a stale or a
   * repeated change does nothing), and resolves once they are durable in the index. Answers how many applied.
   */
  apply(changes: IndexChange[]): Promise<number>;
  search(query: SearchQuery): Promise<SearchResult>;
  /**
   * Builds a fresh index beside the live one from what `fill` adds, then swaps it in: searches answer from
   * the old index until the swap. Changes applied meanwhile reach both.
   */
  rebuild(
    fill: (add: (changes: IndexChange[]) => Promise<void>) => Promise<void>,
  ): Promise<{ tasks: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Highlights are marked with two private-use characters (no task text is likely to hold them), so that
// the text can be HTML-escaped before the marks become tags.
export const MARK_START = '\uE000';
export const MARK_END = '\uE001';
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text with MARK_START/MARK_END around matches → escaped HTML with <mark> around them. */
export function markedToHtml(marked: string): string {
  return marked
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replaceAll(MARK_START, '<mark>')
    .replaceAll(MARK_END, '</mark>');
}

export const emptyFacets = (): Facets => ({ priority: {}, tags: {}, status: {} });

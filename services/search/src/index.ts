export { createSearchApp, type SearchApp, type SearchDeps } from './app.ts';
export { createEmbeddedIndex } from './index.embedded.ts';
export { createMeiliIndex, MEILI_SETTINGS } from './index.meili.ts';
export { loadEnv, type Env } from './env.ts';
export type { StorePage, KafkaSource } from './reindex.ts';
export type { SearchIndex, IndexChange, SearchQuery, SearchResult, SearchHit } from './search-index.ts';
export type { SearchParams } from './service.ts';

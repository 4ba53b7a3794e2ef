// TEMPORARY while @todo/core does not export these yet; switch to '@todo/core' before committing.
export { formatQuery, parseQuery, type QueryNode } from '../../../core/src/query/index.ts';
export { occurrences } from './_occurrences-shim.ts';

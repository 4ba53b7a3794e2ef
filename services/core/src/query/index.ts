export { parseQuery, QueryError } from './parse.ts';
export { formatQuery } from './format.ts';
export {
  toPredicate,
  toMongoFilter,
  toMeiliFilter,
  meiliString,
  dueBounds,
  textPattern,
  type QueryContext,
  type DueBounds,
} from './compile.ts';
export { QUERY_LIMITS, type QueryNode, type DateRef, type DateUnit, type Comparison } from './syntax.ts';
export {
  SORT_KEYS,
  NATURAL_DIR,
  NO_DUE,
  parseSort,
  sortValue,
  sortTasks,
  type Sort,
  type SortKey,
  type Position,
} from './sort.ts';

export { parseQuery, QueryError } from './parse.ts';
export { formatQuery } from './format.ts';
export {
  toPredicate,
  toMongoFilter,
  dueBounds,
  textPattern,
  type QueryContext,
  type DueBounds,
} from './compile.ts';
export { QUERY_LIMITS, type QueryNode, type DateRef, type DateUnit, type Comparison } from './syntax.ts';

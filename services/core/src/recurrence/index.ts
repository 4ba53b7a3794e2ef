export {
  occurrences,
  nextOccurrence,
  type RuleInput,
  type Occurrence,
  type OccurrenceOptions,
} from './expand.ts';
export { describeRule } from './describe.ts';
export {
  parseRule,
  ruleFrequency,
  type ParsedRule,
  type Frequency,
  type Weekday,
  type ByDay,
} from './parse.ts';

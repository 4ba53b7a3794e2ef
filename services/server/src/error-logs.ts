// The unit and integration tests fail on an error log they did not ask for: an error line in a test is
// either a bug or a behaviour the test names with `expectErrorLog`. tests/setup/error-logs.ts feeds every
// in-process pino logger's lines at level error (50) or above into `recordErrorLog`, and settles each test
// after it ends and the file after its last test. Testing only; imported through '@todo/server/testing'.

/** One log line at level error or above, as a test sees it. */
export interface ErrorLogLine {
  level: number;
  msg: string;
  /** The message of the error the line carries (`logger.error(err)` or `logger.error({ err }, ...)`). */
  err?: string;
}

/** A substring of the line's message or its error's message, or a pattern tested against both. */
export type ErrorLogMatcher = string | RegExp;

interface Scope {
  lines: ErrorLogLine[];
  expected: { matcher: ErrorLogMatcher; seen: boolean }[];
}

// Lines and expectations from outside any test (the file's beforeAll/afterAll, timers between tests) are
// the file's; those from inside a test (its own hooks included) are the test's.
const file: Scope = { lines: [], expected: [] };
let test: Scope | undefined;

/**
 * Says that the running test (or, called outside a test, the file's setup and teardown) writes an error
 * log line matching `matcher`; such lines no longer fail it, and the test fails if no line matches.
 */
export function expectErrorLog(matcher: ErrorLogMatcher): void {
  (test ?? file).expected.push({ matcher, seen: false });
}

export function recordErrorLog(line: ErrorLogLine): void {
  (test ?? file).lines.push(line);
}

/** Starts a test's scope. */
export function beginErrorLogScope(): void {
  test = { lines: [], expected: [] };
}

/** Ends the test's scope (or, with none open, the file's) and says what it broke; empty when nothing. */
export function settleErrorLogs(): string[] {
  const scope = test ?? file;
  test = undefined;
  const problems: string[] = [];
  for (const line of scope.lines.splice(0)) {
    const hits = scope.expected.filter(({ matcher }) => matches(matcher, line));
    for (const hit of hits) hit.seen = true;
    if (hits.length === 0) problems.push(`unexpected error log (level ${line.level}): ${describe(line)}`);
  }
  for (const { matcher, seen } of scope.expected.splice(0)) {
    if (!seen) problems.push(`expected an error log matching ${String(matcher)}, none was written`);
  }
  return problems;
}

function matches(matcher: ErrorLogMatcher, line: ErrorLogLine): boolean {
  const texts = [line.msg, line.err ?? ''];
  return typeof matcher === 'string'
    ? texts.some((text) => text.includes(matcher))
    : texts.some((text) => matcher.test(text));
}

function describe(line: ErrorLogLine): string {
  return line.err && line.err !== line.msg ? `${line.msg} (${line.err})` : line.msg;
}

/** Reads a pino log call's arguments (`(msg)`, `(obj, msg)`, `(err, msg)`) into a line. */
export function errorLogLine(level: number, args: readonly unknown[]): ErrorLogLine {
  const [first, second] = args;
  if (typeof first === 'string') return { level, msg: first };
  const err = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
  const errMessage = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  const msg = typeof second === 'string' ? second : (errMessage ?? JSON.stringify(first) ?? '');
  return errMessage === undefined ? { level, msg } : { level, msg, err: errMessage };
}

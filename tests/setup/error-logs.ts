// Setup file of the unit and integration projects: a test fails on an error log line (level 50 or above)
// it did not announce with `expectErrorLog` (services/server/src/error-logs.ts). Every app's logger is a
// `pino(...)` made in the test's process, mostly silent, so pino is wrapped here: each logger also runs at
// level error at least, hands those lines to the guard, and writes only what its own level lets through.
import { beginErrorLogScope, errorLogLine, recordErrorLog, settleErrorLogs } from '@todo/server/testing';
import type { DestinationStream, LoggerOptions } from 'pino';
import { afterAll, afterEach, beforeEach, vi } from 'vitest';

const ERROR = 50;

vi.mock('pino', async (importOriginal) => {
  const actual = await importOriginal<typeof import('pino')>();
  const values = actual.pino.levels.values;
  function guarded(first?: LoggerOptions | DestinationStream, stream?: DestinationStream) {
    const isStream = first !== undefined && typeof (first as DestinationStream).write === 'function';
    const options = isStream ? {} : ((first as LoggerOptions | undefined) ?? {});
    const destination = isStream ? (first as DestinationStream) : stream;
    const level = options.level ?? 'info';
    const own =
      level === 'silent'
        ? Infinity
        : (values[level] ??
          (options.customLevels as Record<string, number> | undefined)?.[level] ??
          values.info!);
    const logMethod = options.hooks?.logMethod;
    return actual.pino(
      {
        ...options,
        level: own <= ERROR ? level : 'error',
        hooks: {
          ...options.hooks,
          logMethod(args, method, lineLevel) {
            if (lineLevel >= ERROR) recordErrorLog(errorLogLine(lineLevel, args));
            if (lineLevel < own) return;
            if (logMethod) logMethod.call(this, args, method, lineLevel);
            else method.apply(this, args);
          },
        },
      },
      destination,
    );
  }
  const pino = Object.assign(guarded, actual.pino);
  return { ...actual, default: pino, pino };
});

function fail(problems: string[]) {
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

beforeEach(() => beginErrorLogScope());
afterEach(() => fail(settleErrorLogs()));
afterAll(() => fail(settleErrorLogs()));

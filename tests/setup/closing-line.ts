import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * After vitest's own summary, one plain line: `tests: N passed, N failed, N skipped`. CI's reader of test
 * output knows that line in any language, not vitest's table; without it, a tool's line printed earlier in
 * the same run (Schemathesis closes like pytest) would be taken as the run's count.
 */
export default class ClosingLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    // An error outside any test (a file that fails to load, an unhandled rejection) counts as a failure.
    const count = { passed: 0, failed: unhandled.length, skipped: 0 };
    for (const module of modules) {
      count.failed += module.errors().length;
      for (const test of module.children.allTests()) {
        const { state } = test.result();
        if (state === 'passed' || state === 'failed') count[state] += 1;
        else count.skipped += 1;
      }
    }
    process.stdout.write(`tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`);
  }
}

import { defineConfig } from 'vitest/config';

// Two tiers run by `npm test`: unit tests beside the code, and integration tests (*.int.test.ts) against
// real servers that tests/setup starts (FerretDB, ...). A third, `stack`, runs with `npm run test:stack`
// against the whole local stack (Dapr, Kafka, Redis, FerretDB and the apps), started by tests/stack/global.ts
// unless `npm run stack` is already up. In the first two, a test fails on an error log it did not expect
// (tests/setup/error-logs.ts; a test that expects one says so with `expectErrorLog` from @todo/server/testing).
export default defineConfig({
  test: {
    reporters: ['default', './tests/setup/closing-line.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'services/*/src/**/*.test.ts',
            'workflows/**/*.test.ts',
            'deploy/local/**/*.test.ts',
            'web/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/*.meili.test.ts', '**/node_modules/**'],
          setupFiles: ['tests/setup/error-logs.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['services/*/src/**/*.int.test.ts', 'tests/**/*.int.test.ts'],
          globalSetup: ['tests/setup/global.ts'],
          setupFiles: ['tests/setup/error-logs.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // `npm run test:browser`: the web app in Debian's Chromium against the embedded profile.
          name: 'browser',
          include: ['tests/browser/**/*.browser.test.ts'],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // `npm run validate:deploy`, after its checks: each checker given a planted fault. Its tools are
          // installed by then (the first install takes minutes: deploy/validate/tools.ts).
          name: 'deploy',
          include: ['deploy/validate/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
        },
      },
      {
        // `npm run test:meili`: the search behaviour on a real Meilisearch (MEILI_URL, MEILI_MASTER_KEY).
        test: {
          name: 'meili',
          include: ['services/search/src/**/*.meili.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'stack',
          include: ['tests/stack/**/*.stack.test.ts'],
          globalSetup: ['tests/stack/global.ts'],
          // One stack for all files, and one of its tests crashes the task service: one file at a time.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

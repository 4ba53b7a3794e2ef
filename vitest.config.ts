import { defineConfig } from 'vitest/config';

// Two tiers, both run by `npm test`: unit tests beside the code, and integration tests (*.int.test.ts)
// against real servers that tests/setup starts (FerretDB, ...).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['services/*/src/**/*.test.ts', 'workflows/**/*.test.ts', 'deploy/local/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['services/*/src/**/*.int.test.ts', 'tests/**/*.int.test.ts'],
          globalSetup: ['tests/setup/global.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});

import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const WORKFLOW_FILES = 'workflows/src/**/*workflow*.ts';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', 'coverage/**', 'web/build/**', 'web/.react-router/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // A handler that closes over a variable set once the server listens is fine.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Config is parsed once, in each app's env.ts (docs/guiding-principles.md); scripts and tests may read it.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read config through env.ts' },
      ],
    },
  },
  {
    // @todo/server's config.ts holds the env fragments the apps share and the tracing bootstrap's settings.
    files: [
      '**/env.ts',
      '**/*.test.ts',
      '**/testing.ts',
      'tests/**',
      'deploy/local/**',
      '*.config.ts',
      'services/server/src/config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/testing.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Every workflow lives in a file the rules below cover: a generator anywhere else in workflows/src is
    // refused, so a new workflow can not slip past them under another file name.
    files: ['workflows/src/**/*.ts'],
    ignores: [WORKFLOW_FILES, '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: ':function[generator=true]',
          message: 'a workflow generator belongs in a *workflow*.ts file, where the determinism rules apply',
        },
      ],
    },
  },
  {
    // Workflow code is replayed, so it must be deterministic (docs/guiding-principles.md): time from the
    // context, side effects in activities, every task yielded. Only types and the durabletask task module.
    files: [WORKFLOW_FILES],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'console', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'crypto'].map(
          (name) => ({ name, message: 'not in workflow code: use an activity or the context' }),
        ),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'use ctx.currentUtcDateTime',
        },
        {
          selector: "MemberExpression[object.name='Date'][property.name='now']",
          message: 'use ctx.currentUtcDateTime',
        },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'no randomness in workflows',
        },
        { selector: 'AwaitExpression', message: "yield the context's tasks; never await in a workflow" },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // @todo/core/timers: the zod schemas of what crosses into a workflow (pure functions).
              regex: '^(?!@dapr/durabletask-js/task/|@todo/core/timers$)',
              allowTypeImports: true,
              message: 'workflow code imports only types, the durabletask task module and @todo/core/timers',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  prettier,
);

import type { Config } from '@react-router/dev/config';

// Server rendering: every page is HTML from the server first, so forms work before any JavaScript runs.
export default { appDirectory: 'app', buildDirectory: 'build', ssr: true } satisfies Config;

import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [reactRouter()],
  // The build runs on first start too (web/build.ts): keep its output quiet and predictable.
  logLevel: 'warn',
  build: { reportCompressedSize: false, rolldownOptions: { checks: { pluginTimings: false } } },
});

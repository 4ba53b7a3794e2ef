import { enableCompileCache } from 'node:module';

// `npm start`'s entry. Most of a start is Node compiling some 1,000 modules (TypeScript stripped first);
// Node's compile cache keeps that work on disk (in the OS temp dir, or NODE_COMPILE_CACHE; checked against
// each file's content, so an edit is never served stale; NODE_DISABLE_COMPILE_CACHE=1 turns it off), and
// every start after the first skips it. It must be on before the product's modules load, hence this file.
enableCompileCache();
await import('./profile.ts');

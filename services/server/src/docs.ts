import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Router from '@koa/router';
// Not the package's main module: that one loads the 1.5 MB browser bundle into the server (150 ms of every
// start) only to export it; the docs serve the bundle's file and need only its folder.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>todo-chatbot API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;
const INIT = `SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui' });`;
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
};

/** The API's docs page: Swagger UI served from the swagger-ui-dist package, no CDN needed. */
export function docsRoutes(router: Router): void {
  const dir = getAbsoluteFSPath();
  router.get('/api/docs', (ctx) => {
    ctx.type = 'html';
    ctx.body = PAGE;
  });
  router.get('/api/docs/init.js', (ctx) => {
    ctx.type = 'text/javascript';
    ctx.body = INIT;
  });
  router.get('/api/docs/:asset', async (ctx) => {
    const type = ASSETS[ctx.params.asset ?? ''];
    if (!type) return;
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = await readFile(join(dir, ctx.params.asset!));
  });
}

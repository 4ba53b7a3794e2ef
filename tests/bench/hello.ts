import Koa from 'koa';

// The ceiling for the API benchmark: Koa answering a small JSON body, nothing else.
const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
app.listen(Number(process.env.PORT), '127.0.0.1');

/**
 * A stand-in app for the stack tests, run beside its own daprd as `retry-probe` (global.ts): it subscribes
 * to task-events. Plain node:http, state in memory, read back by the tests on GET /deliveries.
 *
 * What it answers to a delivery depends on the task's title, so only the tests' own tasks are affected:
 * `[retry-once]` → RETRY the first delivery of an event id, SUCCESS after; `[retry-always]` → RETRY every
 * time (daprd gives up and dead-letters it); anything else → SUCCESS.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const port = Number(process.env['PORT']);
const topic = process.env['PROBE_TOPIC'];
const appToken = process.env['APP_API_TOKEN'] ?? '';
if (!Number.isInteger(port) || port <= 0) throw new Error('PORT is required');

type Delivery = { id: string; subject: string; type: string; answer: 'SUCCESS' | 'RETRY'; at: string };
const deliveries: Delivery[] = [];
const seen = new Set<string>();

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

/** daprd sends the stack's app API token with everything it delivers; anyone else is refused. */
function fromDaprd(req: IncomingMessage): boolean {
  const given = Buffer.from(String(req.headers['dapr-api-token'] ?? ''));
  const expected = Buffer.from(appToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type CloudEvent = {
  id?: string;
  subject?: string;
  type?: string;
  data?: { data?: { task?: { title?: string } } };
};

function answerFor(event: CloudEvent): 'SUCCESS' | 'RETRY' {
  const title = event.data?.data?.task?.title ?? '';
  const id = event.id ?? '';
  if (title.includes('[retry-always]')) return 'RETRY';
  if (title.includes('[retry-once]') && !seen.has(id)) return 'RETRY';
  return 'SUCCESS';
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://probe');
  const route = `${req.method} ${url.pathname}`;
  void (async () => {
    if (route === 'GET /healthz') return send(res, 200, { ok: true });
    if (route === 'GET /deliveries') return send(res, 200, deliveries);
    if (route === 'GET /dapr/subscribe') {
      return send(
        res,
        200,
        topic ? [{ pubsubname: 'pubsub', topic, route: '/events', deadLetterTopic: `${topic}-dlq` }] : [],
      );
    }
    if (route === 'POST /events') {
      if (!fromDaprd(req)) return send(res, 401, { error: 'not daprd' });
      const event = (await readJson(req)) as CloudEvent;
      const answer = answerFor(event);
      seen.add(event.id ?? '');
      deliveries.push({
        id: event.id ?? '',
        subject: event.subject ?? '',
        type: event.type ?? '',
        answer,
        at: new Date().toISOString(),
      });
      return send(res, 200, { status: answer });
    }
    send(res, 404, { error: `no route ${route}` });
  })().catch((err: unknown) => send(res, 500, { error: String(err) }));
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));

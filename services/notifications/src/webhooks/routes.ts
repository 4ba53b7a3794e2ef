import { randomBytes, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, type Clock } from '@todo/core';
import { endpoint, ErrorBody, type Endpoint } from '@todo/server';
import type { Context } from 'koa';
import { z } from 'zod';
import { DELIVERY_STATUSES, type Delivery, type NotificationStore, type Webhook } from '../store/store.ts';
import { pointsInside, type Resolve } from './address.ts';

/** Webhooks per user. */
export const WEBHOOKS_PER_OWNER = 10;

const WebhookCreate = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
    .max(2000)
    .refine((u) => {
      const url = URL.parse(u);
      return !url || (!url.username && !url.password);
    }, 'must not carry a user name or password'),
});
const WebhookView = z.object({ id: z.string(), url: z.string(), createdAt: z.string() });
const WebhookCreated = WebhookView.extend({
  /** The signing key (`whsec_` and 32 bytes in base64, as Standard Webhooks has it); shown only here. */
  secret: z.string(),
});
const DeliveryView = z.object({
  id: z.string(),
  eventId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  createdAt: z.string(),
  /** When a pending delivery is tried next. */
  nextAttemptAt: z.string().optional(),
  log: z.array(
    z.object({ at: z.string(), status: z.number().optional(), error: z.string().optional(), ms: z.number() }),
  ),
});
const DeliveryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() });
const deliveryNotFound = {
  404: { description: 'No such webhook, or no such delivery of it, for this user', schema: ErrorBody },
};
const errors = {
  400: { description: 'Invalid input: what was wrong and where', schema: ErrorBody },
  401: { description: 'No or bad bearer token', schema: ErrorBody },
};
const notFound = { 404: { description: 'No such webhook for this user', schema: ErrorBody } };

const webhookView = ({ id, url, createdAt }: Webhook) => ({ id, url, createdAt });
const deliveryView = (d: Delivery) => ({
  id: d.id,
  eventId: d.eventId,
  status: d.status,
  attempts: d.attempts,
  createdAt: d.createdAt,
  ...(d.status === 'pending' ? { nextAttemptAt: new Date(d.nextAttemptAt).toISOString() } : {}),
  log: d.log,
});
const owner = (ctx: Context): string => ctx.state.user.id;

export function webhookEndpoints(
  store: NotificationStore,
  clock: Clock,
  {
    allowInternal = false,
    requireHttps = true,
    resolve,
    onQueued = () => {},
    perOwner = WEBHOOKS_PER_OWNER,
  }: {
    allowInternal?: boolean;
    requireHttps?: boolean;
    resolve?: Resolve;
    /** The quota: how many webhooks one owner may have (WEBHOOKS_PER_OWNER). */
    perOwner?: number;
    /** Called when a delivery was queued (the dispatcher then looks at the queue at once). */
    onQueued?: () => void;
  } = {},
): Endpoint[] {
  async function mine(ctx: Context): Promise<Webhook> {
    const w = await store.getWebhook(String(ctx.params.id));
    if (!w || w.owner !== owner(ctx)) throw new NotFoundError('webhook', 'WEBHOOK_NOT_FOUND');
    return w;
  }
  return [
    endpoint({
      method: 'post',
      path: '/api/webhooks',
      summary:
        'Add a webhook: each notification is POSTed to it as JSON, signed as Standard Webhooks says (webhook-id, webhook-timestamp, webhook-signature; also X-Signature: sha256=<hex HMAC of the body>)',
      tag: 'webhooks',
      auth: true,
      body: WebhookCreate,
      responses: {
        201: { description: 'Made; the secret is shown only now', schema: WebhookCreated },
        ...errors,
        409: { description: `The user has ${perOwner} webhooks already`, schema: ErrorBody },
      },
      handler: async (ctx, { body }) => {
        const url = new URL(body.url);
        if (requireHttps && url.protocol !== 'https:') {
          throw new ValidationError('invalid webhook', [{ path: 'url', issue: 'must be an https:// URL' }]);
        }
        let inside: boolean;
        try {
          inside = await pointsInside(url, resolve);
        } catch {
          throw new ValidationError('invalid webhook', [
            { path: 'url', issue: 'the host name does not resolve' },
          ]);
        }
        if (inside && !allowInternal) {
          throw new ValidationError('invalid webhook', [
            {
              path: 'url',
              issue: 'must point to a public address, not a loopback, private or otherwise reserved one',
            },
          ]);
        }
        if ((await store.countWebhooks(owner(ctx))) >= perOwner) {
          throw new ConflictError('TOO_MANY_WEBHOOKS', `at most ${perOwner} webhooks per user`);
        }
        const webhook: Webhook = {
          id: randomUUID(),
          owner: owner(ctx),
          url: url.href,
          secret: `whsec_${randomBytes(32).toString('base64')}`,
          createdAt: clock.now().toISOString(),
        };
        await store.createWebhook(webhook);
        ctx.status = 201;
        ctx.set('Location', `/api/webhooks/${webhook.id}`);
        ctx.body = { ...webhookView(webhook), secret: webhook.secret };
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/webhooks',
      summary: "The user's webhooks (without their secrets)",
      tag: 'webhooks',
      auth: true,
      responses: {
        200: { description: 'The webhooks', schema: z.object({ webhooks: z.array(WebhookView) }) },
        ...errors,
      },
      handler: async (ctx) => {
        ctx.body = { webhooks: (await store.listWebhooks(owner(ctx))).map(webhookView) };
      },
    }),
    endpoint({
      method: 'delete',
      path: '/api/webhooks/:id',
      summary: 'Remove a webhook, its queued deliveries and its log',
      tag: 'webhooks',
      auth: true,
      responses: { 204: { description: 'Removed' }, ...errors, ...notFound },
      handler: async (ctx) => {
        if (!(await store.deleteWebhook(owner(ctx), String(ctx.params.id)))) {
          throw new NotFoundError('webhook', 'WEBHOOK_NOT_FOUND');
        }
        ctx.status = 204;
      },
    }),
    endpoint({
      method: 'get',
      path: '/api/webhooks/:id/deliveries',
      summary: "A webhook's delivery log, newest first: status, tries and each try's answer",
      tag: 'webhooks',
      auth: true,
      query: DeliveryQuery,
      responses: {
        200: { description: 'The log', schema: z.object({ deliveries: z.array(DeliveryView) }) },
        ...errors,
        ...notFound,
      },
      handler: async (ctx, { query }) => {
        const w = await mine(ctx);
        const deliveries = await store.listDeliveries(w.owner, w.id, query.limit ?? 50);
        ctx.body = { deliveries: deliveries.map(deliveryView) };
      },
    }),
    endpoint({
      method: 'post',
      path: '/api/webhooks/:id/deliveries/:deliveryId/redeliver',
      summary:
        'Send a delivered or failed delivery again, now, with a fresh round of retries (receivers de-duplicate by webhook-id)',
      tag: 'webhooks',
      auth: true,
      responses: {
        202: { description: 'Queued; it is tried at once', schema: DeliveryView },
        ...errors,
        ...deliveryNotFound,
        409: { description: 'The delivery is queued already', schema: ErrorBody },
      },
      handler: async (ctx) => {
        const w = await mine(ctx);
        const queued = await store.redeliver(
          w.owner,
          w.id,
          String(ctx.params.deliveryId),
          clock.now().getTime(),
        );
        if (!queued) throw new NotFoundError('delivery', 'DELIVERY_NOT_FOUND');
        if (queued === 'pending')
          throw new ConflictError(
            'DELIVERY_PENDING',
            'the delivery is queued already: it is tried on its own',
          );
        onQueued();
        ctx.status = 202;
        ctx.body = deliveryView(queued);
      },
    }),
  ];
}

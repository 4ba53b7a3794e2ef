export { createNotificationsApp, type NotificationsApp, type NotificationsDeps } from './app.ts';
export { loadEnv, type Env } from './env.ts';
export { createSqliteNotificationStore } from './store/sqlite.ts';
export { createMongoNotificationStore } from './store/mongo.ts';
export type { NotificationStore, Notification, Webhook, Delivery as WebhookDelivery } from './store/store.ts';
export { createNotificationConsumer, type NotificationConsumer } from './inbox/consumer.ts';
export { subscriptions } from './inbox/routes.ts';
export { sign } from './webhooks/dispatcher.ts';

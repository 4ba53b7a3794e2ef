// The MongoDB store is not exported here (the driver would load in every embedded start); server.ts
// imports it from its file.
export { createNotificationsApp, type NotificationsApp, type NotificationsDeps } from './app.ts';
export { loadEnv, type Env } from './env.ts';
export { createSqliteNotificationStore } from './store/sqlite.ts';
export type { NotificationStore, Notification, Webhook, Delivery as WebhookDelivery } from './store/store.ts';
export { createNotificationConsumer, type NotificationConsumer } from './inbox/consumer.ts';
export { subscriptions } from './inbox/routes.ts';
export { sign } from './webhooks/dispatcher.ts';

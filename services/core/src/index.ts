export * from './errors.ts';
export * from './clock.ts';
export * from './task.ts';
export * from './events.ts';
export * from './query/index.ts';
export * from './recurrence/index.ts';
export * from './schedule.ts';
export * from './workflows.ts';

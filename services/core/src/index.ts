export * from './errors.ts';
export * from './clock.ts';
export * from './task.ts';
export * from './events.ts';

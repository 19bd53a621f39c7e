// Re-exports of the Gardener landscape (23KE on Flux).
export * from './config';
export * from './defaults';
export * from './schema';
export * from './validate';
export * from './api/seedmanagement';
export * from './constructs';
export * from './flux';
export * from './secrets';
export * from './module';
export * from './operator';
export * from './tree';
export * from './bootstrap';

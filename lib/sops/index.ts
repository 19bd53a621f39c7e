/**
 * SOPS + age for the management repository: a codec for the SOPS file format (no npm package
 * writes it), the age key handling, and the leak guards the synth runs.
 */
export * from './age';
export * from './codec';
export * from './config';
export * from './file';
export * from './guard';
export * from './mac';
export * from './metadata';
export * from './secret';
export * from './yaml';

/** The pure domain core: no I/O, no Temporal, no Node built-ins. Import from here outside src/domain. */
export * from './payment-status';
export * from './domain-errors';
export * from './money';
export * from './payment-state-machine';
export * from './attempt-state-machine';
export * from './expiry';
export * from './ids';
export * from './create-request';
export * from './rfc3339';
export * from './retry-rules';

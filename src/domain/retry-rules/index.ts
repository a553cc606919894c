/** The retry rule engine (contract section 7): pure, so workflow code can call it directly. */
export * from './retry-rule';
export * from './retry-context';
export * from './retry-decision';
export * from './rule-matching';
export * from './rule-period';
export * from './code-mode';
export * from './principles';
export * from './never-retried-codes';
export * from './traffic-share';
export * from './channel-routing';

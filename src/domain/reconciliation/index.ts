export * from './difference';
export * from './classify';
export * from './repair-plan';
export * from './bill-day';
export * from './reversed-trades';

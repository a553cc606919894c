// Kept so src/client's `import type { paymentWorkflow } from '../workflows/payment-workflow'` still resolves;
// the workflow lives in ./payment/ (remove once the client imports it from there or from ./index).
export { paymentWorkflow } from './payment/payment-workflow';

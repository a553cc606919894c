// Workflow bundle entry: every workflow the worker runs, and nothing that does I/O.
export { paymentWorkflow } from './payment/payment-workflow';
export { merchantNotificationWorkflow } from './merchant-notification/merchant-notification-workflow';
export { refundWorkflow } from './refund/refund-workflow';
export { lateMoneyWorkflow } from './late-money/late-money-workflow';
export { reconciliationWorkflow } from './reconciliation/reconciliation-workflow';

// Workflow bundle entry: every workflow the worker runs, and nothing that does I/O.
export { paymentWorkflow } from './payment-workflow';
export { merchantNotificationWorkflow } from './merchant-notification-workflow';
export { refundWorkflow } from './refund-workflow';

import {
  wechatErrorOutcome,
  wechatRefundOutcome,
  wechatTradeOutcome,
} from '../../../src/channels/wechatpay/wechatpay-codes';

test.each([
  ['SYSTEM_ERROR', 'RETRYABLE_DECLINE'],
  ['NOT_ENOUGH', 'HARD_DECLINE'],
  ['ORDERPAID', 'ALREADY_PAID'],
  ['ORDER_CLOSED', 'CLOSED'],
  ['ORDER_NOT_EXIST', 'NOT_FOUND'],
  ['RESOURCE_NOT_EXISTS', 'NOT_FOUND'],
  ['SIGN_ERROR', 'UNKNOWN'],
  ['SOMETHING_NEW', 'UNKNOWN'],
])('error code %s → %s', (code, outcome) => {
  expect(wechatErrorOutcome(code)).toBe(outcome);
});

test('trade states: SUCCESS and REFUND were paid; PAYERROR and the unknown are not guessed', () => {
  expect(
    ['SUCCESS', 'REFUND', 'NOTPAY', 'USERPAYING', 'CLOSED', 'PAYERROR', 'NEW', 7].map(wechatTradeOutcome),
  ).toEqual(['PAID', 'PAID', 'WAIT_BUYER_PAY', 'WAIT_BUYER_PAY', 'CLOSED', null, null, null]);
});

test('refund statuses', () => {
  expect(['SUCCESS', 'PROCESSING', 'CLOSED', 'ABNORMAL', 'OTHER'].map(wechatRefundOutcome)).toEqual([
    'SUCCEEDED',
    'PROCESSING',
    'CLOSED',
    'ABNORMAL',
    null,
  ]);
});

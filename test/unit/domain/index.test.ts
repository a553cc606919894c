import * as domain from '../../../src/domain';

describe('src/domain index', () => {
  it('re-exports the whole domain core', () => {
    for (const name of [
      'PAYMENT_STATUSES',
      'ATTEMPT_STATUSES',
      'CLOSE_REASONS',
      'ERROR_STATUS',
      'ERROR_TITLES',
      'isErrorCode',
      'DomainError',
      'IllegalTransitionError',
      'MAX_AMOUNT',
      'isValidAmount',
      'CURRENCY_EXPONENTS',
      'isSupportedCurrency',
      'toDecimalString',
      'parseDecimalString',
      'sumAmounts',
      'PAYMENT_TRANSITIONS',
      'TERMINAL_PAYMENT_STATUSES',
      'isTerminalPayment',
      'canTransitionPayment',
      'assertPaymentTransition',
      'payAgainRefusal',
      'closeRefusal',
      'ATTEMPT_TRANSITIONS',
      'isFinalAttempt',
      'canTransitionAttempt',
      'assertAttemptTransition',
      'expiresAtFor',
      'msUntil',
      'isExpired',
      'nextPollDelayMs',
      'paymentWorkflowId',
      'paymentIdFromUuid',
      'channelOutTradeNo',
      'parseChannelOutTradeNo',
      'sameCreateRequest',
      'parseRfc3339Millis',
    ]) {
      expect(domain).toHaveProperty(name);
    }
  });
});

import {
  DomainError,
  ERROR_STATUS,
  ERROR_TITLES,
  IllegalTransitionError,
  isErrorCode,
  type ErrorCode,
} from '../../../src/domain/domain-errors';

describe('ERROR_STATUS', () => {
  it('maps every contract code to the status the contract gives it', () => {
    expect(ERROR_STATUS).toEqual({
      VALIDATION_ERROR: 400,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      IDEMPOTENCY_MISMATCH: 409,
      PAYMENT_ALREADY_SUCCEEDED: 409,
      PAYMENT_IN_PROGRESS: 409,
      PAYMENT_STATUS_UNKNOWN: 409,
      PAYMENT_CLOSED: 409,
      PAYMENT_NOT_SUCCEEDED: 409,
      ORDER_EXPIRED: 422,
      REFUND_EXCEEDS_AVAILABLE: 422,
    });
  });

  it('never answers a 5xx', () => {
    for (const status of Object.values(ERROR_STATUS)) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
  });
});

describe('ERROR_TITLES', () => {
  it('has a non-empty title for exactly the known codes', () => {
    expect(Object.keys(ERROR_TITLES).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    for (const title of Object.values(ERROR_TITLES)) expect(title.trim()).not.toBe('');
  });
});

describe('isErrorCode', () => {
  it('accepts every known code', () => {
    for (const code of Object.keys(ERROR_STATUS)) expect(isErrorCode(code)).toBe(true);
  });

  it.each([
    ['toString'],
    ['constructor'],
    ['__proto__'],
    ['not_found'],
    [''],
    [404],
    [null],
    [undefined],
    [{}],
  ])('rejects %p', (x) => {
    expect(isErrorCode(x)).toBe(false);
  });
});

describe('DomainError', () => {
  it('carries its code and message and is an Error named DomainError', () => {
    const err = new DomainError('ORDER_EXPIRED', 'orderDeadline is in the past');
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.name).toBe('DomainError');
    expect(err.code).toBe<ErrorCode>('ORDER_EXPIRED');
    expect(err.message).toBe('orderDeadline is in the past');
    expect(ERROR_STATUS[err.code]).toBe(422);
  });
});

describe('IllegalTransitionError', () => {
  it('names the entity and both statuses', () => {
    const err = new IllegalTransitionError('payment', 'CLOSED', 'PROCESSING');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('IllegalTransitionError');
    expect(err.entity).toBe('payment');
    expect(err.from).toBe('CLOSED');
    expect(err.to).toBe('PROCESSING');
    expect(err.message).toBe('Illegal payment transition CLOSED -> PROCESSING');
  });
});

import * as domain from '../../../../src/domain';
import * as retryRules from '../../../../src/domain/retry-rules';

describe('src/domain/retry-rules index', () => {
  const names = [
    'CODE_MODES',
    'REFUSAL_REASONS',
    'decideRetry',
    'matchRule',
    'ruleInForce',
    'ruleAllowsCode',
    'principleRefusal',
    'RETRIED_METHOD_TYPE',
    'NEVER_RETRIED_TRANSACTION_TYPES',
    'NEVER_RETRIED_CODES',
    'RISK_CODES',
    'normalizeRetryCode',
    'isNeverRetriedCode',
    'isRiskCode',
    'fnv1a32',
    'trafficBucket',
    'inTrafficShare',
    'nextChannel',
  ];

  it('re-exports the whole engine', () => {
    for (const name of names) expect(retryRules).toHaveProperty(name);
  });

  it('is re-exported by the domain index', () => {
    for (const name of names)
      expect(domain).toHaveProperty(name, (retryRules as Record<string, unknown>)[name]);
  });

  it('lists the refusal reasons in the order decideRetry checks them', () => {
    expect(retryRules.REFUSAL_REASONS).toEqual([
      'NOT_BANK_CARD',
      'TRANSACTION_TYPE_NEVER_RETRIED',
      'RISK_REJECTED',
      'OPERATOR_FAILED',
      'CODE_NEVER_RETRIED',
      'NO_MATCHING_RULE',
      'CODE_NOT_RETRYABLE_BY_RULE',
      'OUTSIDE_TRAFFIC_SHARE',
      'MAX_RETRIES_REACHED',
      'MAX_WAIT_EXCEEDED',
    ]);
    expect(retryRules.CODE_MODES).toEqual(['WHITELIST', 'BLACKLIST']);
  });
});

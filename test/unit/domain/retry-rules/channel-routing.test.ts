import fc from 'fast-check';
import { nextChannel, retryTargets } from '../../../../src/domain/retry-rules/channel-routing';

const routes = ['alipay_a', 'alipay_b', 'sandbox', 'alipay_c'];

describe('nextChannel', () => {
  it('goes to the account after the failed one', () => {
    expect(nextChannel(routes, ['alipay_a'], 'alipay_a')).toBe('alipay_b');
    expect(nextChannel(routes, ['alipay_b'], 'alipay_b')).toBe('sandbox');
  });

  it('skips accounts that already failed this payment', () => {
    expect(nextChannel(routes, ['alipay_a', 'alipay_b', 'sandbox'], 'alipay_a')).toBe('alipay_c');
    expect(nextChannel(routes, ['alipay_b'], 'alipay_a')).toBe('sandbox');
  });

  it('counts the current account as failed even when the caller did not list it', () => {
    expect(nextChannel(routes, [], 'alipay_a')).toBe('alipay_b');
    expect(nextChannel(['a', 'b', 'a', 'c'], ['b'], 'a')).toBe('c');
  });

  it('does not wrap around: earlier accounts are not retried', () => {
    expect(nextChannel(routes, ['alipay_c'], 'alipay_c')).toBeNull();
    expect(nextChannel(routes, ['sandbox', 'alipay_c'], 'sandbox')).toBeNull();
    expect(nextChannel(routes, ['sandbox'], 'sandbox')).toBe('alipay_c');
  });

  it('is null when every later account failed', () => {
    expect(nextChannel(routes, ['alipay_b', 'sandbox', 'alipay_c'], 'alipay_a')).toBeNull();
  });

  it('is null for a current account missing from the routes, or no routes at all', () => {
    expect(nextChannel(routes, [], 'gone')).toBeNull();
    expect(nextChannel([], [], 'alipay_a')).toBeNull();
    expect(nextChannel(['alipay_a'], ['alipay_a'], 'alipay_a')).toBeNull();
  });

  it('answers the first later account that is neither current nor failed, else null', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(
        fc.array(name, { maxLength: 8 }),
        fc.array(name, { maxLength: 5 }),
        name,
        (r, failed, current) => {
          const next = nextChannel(r, failed, current);
          const at = r.indexOf(current);
          const later = at < 0 ? [] : r.slice(at + 1);
          const eligible = later.filter((c) => c !== current && !failed.includes(c));
          expect(next).toBe(eligible[0] ?? null);
          if (next !== null) {
            expect(failed).not.toContain(next);
            expect(next).not.toBe(current);
          }
        },
      ),
    );
  });

  it('walks the whole route once, in order, as attempts fail one after another', () => {
    const failed: string[] = [];
    const visited: string[] = [];
    let current: string | null = 'alipay_a';
    while (current !== null) {
      visited.push(current);
      failed.push(current);
      current = nextChannel(routes, failed, current);
    }
    expect(visited).toEqual(routes);
  });
});

describe('retryTargets: retries never cross protocols unless a rule says so', () => {
  const kinds: Record<string, string> = {
    sandbox: 'alipay',
    sandbox_backup: 'alipay',
    sandbox_wechat: 'wechatpay',
  };
  const kindOf = (c: string) => kinds[c];
  const route = ['sandbox', 'sandbox_backup', 'sandbox_wechat'];

  it('keeps a retry from an Alipay account on Alipay accounts', () => {
    expect(retryTargets(route, 'sandbox', kindOf, [])).toEqual(['sandbox', 'sandbox_backup']);
    expect(nextChannel(retryTargets(route, 'sandbox_backup', kindOf, []), [], 'sandbox_backup')).toBeNull();
  });

  it('crosses to another protocol only where the matched rule names that account', () => {
    expect(retryTargets(route, 'sandbox', kindOf, ['sandbox', 'sandbox_wechat'])).toEqual(route);
    expect(retryTargets(route, 'sandbox_wechat', kindOf, [])).toEqual(['sandbox_wechat']);
  });

  it('never targets an account whose protocol is unknown', () => {
    expect(retryTargets([...route, 'gone'], 'sandbox', kindOf, ['gone'])).not.toContain('gone');
  });

  it('property: every target speaks the current protocol or is named by the rule', () => {
    const names = fc.constantFrom<string>('a1', 'a2', 'w1', 'w2', 'x');
    const kindOfName = (c: string) =>
      c.startsWith('a') ? 'alipay' : c.startsWith('w') ? 'wechatpay' : undefined;
    fc.assert(
      fc.property(fc.array(names), names, fc.array(names), (routes, current, ruleChannels) => {
        const targets = retryTargets(routes, current, kindOfName, ruleChannels);
        for (const t of targets) {
          expect(kindOfName(t) === kindOfName(current) || ruleChannels.includes(t)).toBe(true);
          expect(kindOfName(t)).toBeDefined();
        }
        for (const r of routes) {
          if (kindOfName(r) !== undefined && kindOfName(r) === kindOfName(current))
            expect(targets).toContain(r);
        }
      }),
    );
  });
});

import fc from 'fast-check';
import { nextChannel } from '../../../../src/domain/retry-rules/channel-routing';

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

import fc from 'fast-check';
import { fnv1a32, inTrafficShare, trafficBucket } from '../../../../src/domain/retry-rules/traffic-share';

/** FNV-1a over Node's own UTF-8 encoding: the reference our hand-rolled encoder must agree with. */
function referenceFnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return h >>> 0;
}

const paymentId = fc.stringMatching(/^pay_[0-9a-f]{32}$/);
const ruleNo = fc.stringMatching(/^[0-9]{1,4}$/);
/** 5000 uuid-based ids, from a fixed seed so the proportion checks cannot flake. */
const randomIds = fc
  .sample(fc.uuid(), { numRuns: 5000, seed: 20300615 })
  .map((u) => `pay_${u.replace(/-/g, '')}`);
/** Ids that differ only in their last characters, the weak spot of a bare FNV hash. */
const sequentialIds = Array.from({ length: 5000 }, (_, i) => `pay_${i}`);

const share = (ids: readonly string[], rule: string, percent: number): number =>
  (100 * ids.filter((id) => inTrafficShare(id, rule, percent)).length) / ids.length;

describe('fnv1a32', () => {
  it('matches the published FNV-1a 32-bit test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes, multi-byte and astral characters included', () => {
    expect(fnv1a32('重试')).toBe(referenceFnv1a32('重试'));
    expect(fnv1a32('é😀')).toBe(referenceFnv1a32('é😀'));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(fnv1a32(s)).toBe(referenceFnv1a32(s));
      }),
    );
  });
});

describe('trafficBucket', () => {
  it('is an integer in 0..99', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, rule) => {
        const b = trafficBucket(id, rule);
        expect(Number.isInteger(b)).toBe(true);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(100);
      }),
    );
  });

  it('is deterministic: the same payment and rule always get the same bucket', () => {
    fc.assert(
      fc.property(paymentId, ruleNo, (id, rule) => {
        expect(trafficBucket(id, rule)).toBe(trafficBucket(`${id}`, `${rule}`));
      }),
    );
    // Pinned: a changed hash would silently move in-flight payments across a rule's share.
    expect(trafficBucket('pay_1', '001')).toBe(69);
    expect(trafficBucket('pay_2', '001')).toBe(14);
    expect(trafficBucket('pay_1', '002')).toBe(98);
    expect(trafficBucket('pay_0123456789abcdef0123456789abcdef', '001')).toBe(12);
  });

  it('spreads ids over every bucket', () => {
    const counts = new Array<number>(100).fill(0);
    for (const id of randomIds) {
      const b = trafficBucket(id, '001');
      counts[b] = (counts[b] ?? 0) + 1;
    }
    // 50 expected per bucket; a fair hash stays well inside 15..100 for every one of them.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...counts)).toBeLessThanOrEqual(100);
  });

  it('depends on the rule too, so two rules at 50 % pick different payments', () => {
    const inBoth = randomIds.filter((id) => inTrafficShare(id, '001', 50) && inTrafficShare(id, '002', 50));
    // Independent halves overlap on about a quarter of the payments; identical ones on a half.
    expect((100 * inBoth.length) / randomIds.length).toBeGreaterThan(20);
    expect((100 * inBoth.length) / randomIds.length).toBeLessThan(30);
  });
});

describe('inTrafficShare', () => {
  it('0 % never applies and 100 % always does', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, rule) => {
        expect(inTrafficShare(id, rule, 0)).toBe(false);
        expect(inTrafficShare(id, rule, 100)).toBe(true);
      }),
    );
  });

  it('is bucket < percent, hence monotone in the percent', () => {
    fc.assert(
      fc.property(paymentId, ruleNo, fc.integer({ min: 0, max: 100 }), (id, rule, p) => {
        expect(inTrafficShare(id, rule, p)).toBe(trafficBucket(id, rule) < p);
        if (inTrafficShare(id, rule, p)) expect(inTrafficShare(id, rule, Math.min(100, p + 1))).toBe(true);
      }),
    );
  });

  it('is roughly proportional over many random ids', () => {
    for (const p of [1, 10, 30, 50, 90]) {
      expect(Math.abs(share(randomIds, '001', p) - p)).toBeLessThanOrEqual(5);
    }
    expect(share(randomIds, '001', 30)).toBeGreaterThanOrEqual(25);
    expect(share(randomIds, '001', 30)).toBeLessThanOrEqual(35);
  });

  it('is roughly proportional over sequential ids too', () => {
    for (const p of [10, 30, 50, 90]) {
      expect(Math.abs(share(sequentialIds, '7', p) - p)).toBeLessThanOrEqual(5);
    }
  });

  it('never applies for a NaN percent: a rule we cannot read retries nothing', () => {
    expect(randomIds.slice(0, 500).some((id) => inTrafficShare(id, '001', NaN))).toBe(false);
  });
});

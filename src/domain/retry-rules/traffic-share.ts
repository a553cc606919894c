/**
 * Traffic share: a rule at 30 % applies to a fixed 30 % of payments. The bucket must depend on the
 * payment alone, never on a random draw or the clock: the workflow may replay the decision, and a
 * payment that was inside the share on its first retry must stay inside for the next ones.
 * Changing this hash moves payments between buckets: only do it while no retry is in flight.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit over the UTF-8 bytes of s, unsigned. Hand-rolled: the domain may use no crypto. */
export function fnv1a32(s: string): number {
  let hash = FNV_OFFSET_BASIS;
  const feed = (byte: number): void => {
    hash = Math.imul(hash ^ byte, FNV_PRIME);
  };
  // for..of walks code points, so a surrogate pair is one character, encoded as UTF-8 would.
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) feed(cp);
    else if (cp < 0x800) {
      feed(0xc0 | (cp >> 6));
      feed(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      feed(0xe0 | (cp >> 12));
      feed(0x80 | ((cp >> 6) & 0x3f));
      feed(0x80 | (cp & 0x3f));
    } else {
      feed(0xf0 | (cp >> 18));
      feed(0x80 | ((cp >> 12) & 0x3f));
      feed(0x80 | ((cp >> 6) & 0x3f));
      feed(0x80 | (cp & 0x3f));
    }
  }
  return hash >>> 0;
}

/**
 * murmur3's finaliser. FNV-1a's low bits, which `% 100` reads, mix poorly when ids differ only in
 * their last characters (pay_1, pay_2, …); this spreads every input bit over the whole word.
 */
function avalanche(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Deterministic bucket 0..99 for (paymentId, ruleNo). The ruleNo is part of the key so that two rules
 * at 30 % pick different payments, and its length prefix keeps ("1", "23") apart from ("12", "3").
 * 2^32 % 100 = 96, so the modulo bias is about 2e-8: negligible.
 */
export function trafficBucket(paymentId: string, ruleNo: string): number {
  return avalanche(fnv1a32(`${ruleNo.length}:${ruleNo}:${paymentId}`)) % 100;
}

/** bucket < percent: 0 never, 100 always; NaN never (a rule we cannot read retries nothing). */
export function inTrafficShare(paymentId: string, ruleNo: string, percent: number): boolean {
  return trafficBucket(paymentId, ruleNo) < percent;
}

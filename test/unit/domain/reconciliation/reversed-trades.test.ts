import {
  repairFor,
  reversedTradeRows,
  type BillSide,
  type Candidate,
  type LocalAttempt,
} from '../../../../src/domain/reconciliation';

/**
 * Found by the fault drill: a paid trade our cancel reversed (refunded in full) showed on the bill as a
 * payment and the cancel's refund, and reconciliation reported both as CHANNEL_ONLY, left OPEN.
 */
const bill = (o: Partial<BillSide> = {}): BillSide => ({
  kind: 'PAYMENT',
  channelTradeNo: '2026120122001',
  outTradeNo: 'pay_a-1',
  outRefundNo: null,
  amount: 1000,
  ...o,
});
const attempt = (o: Partial<LocalAttempt> = {}): LocalAttempt => ({
  paymentId: 'pay_a',
  attemptNo: 1,
  paymentStatus: 'CLOSED',
  attemptStatus: 'REVERSED',
  amount: 1000,
  lateRecorded: false,
  ...o,
});
const payment = (o: Partial<LocalAttempt> = {}, b: Partial<BillSide> = {}): Candidate => ({
  side: 'CHANNEL_PAYMENT',
  bill: bill(b),
  local: attempt(o),
});
const cancelRefund = (b: Partial<BillSide> = {}): Candidate => ({
  side: 'CHANNEL_REFUND',
  bill: bill({ kind: 'REFUND', ...b }),
  local: null,
  ourOrphanRefund: false,
});

test("a reversed attempt's payment and the cancel's full refund of it are one pair, nothing kept", () => {
  const pay = payment();
  const refund = cancelRefund();
  const other = payment({ paymentId: 'pay_b', attemptStatus: 'CLOSED' }, { outTradeNo: 'pay_b-1' });
  expect(reversedTradeRows([other, refund, pay])).toEqual(new Set([pay, refund]));
  // WeChat's cancel refunds under `<outTradeNo>-cancel`, in two parts here: still the whole amount.
  const parts = [cancelRefund({ outRefundNo: 'pay_a-1-cancel', amount: 600 }), cancelRefund({ amount: 400 })];
  expect(reversedTradeRows([pay, ...parts])).toEqual(new Set([pay, ...parts]));
});

test('no pair without the full refund, for another attempt status, or for a refund that is ours', () => {
  expect(reversedTradeRows([payment()]).size).toBe(0);
  expect(reversedTradeRows([payment(), cancelRefund({ amount: 999 })]).size).toBe(0);
  expect(reversedTradeRows([payment(), cancelRefund({ outTradeNo: 'pay_b-1' })]).size).toBe(0);
  expect(reversedTradeRows([payment({ attemptStatus: 'CLOSED' }), cancelRefund()]).size).toBe(0);
  const ours: Candidate = {
    side: 'CHANNEL_REFUND',
    bill: bill({ kind: 'REFUND', outRefundNo: 'r1' }),
    local: { refundId: 'ref_1', paymentId: 'pay_a', status: 'PROCESSING', amount: 1000 },
    ourOrphanRefund: false,
  };
  expect(reversedTradeRows([payment(), ours]).size).toBe(0);
  const orphanRefund: Candidate = { ...cancelRefund(), ourOrphanRefund: true } as Candidate;
  expect(reversedTradeRows([payment(), orphanRefund]).size).toBe(0);
});

test("a reversed attempt's money without its refund goes to an operator at once, not to a notice", () => {
  // A notice cannot settle it (a reversed attempt's money counts as returned): its repair would retry for minutes.
  expect(repairFor('CHANNEL_ONLY', payment(), 'OPEN')).toBe('NONE');
  expect(repairFor('CHANNEL_ONLY', payment({ attemptStatus: 'CLOSED' }), 'OPEN')).toBe('DELIVER_NOTICE');
});

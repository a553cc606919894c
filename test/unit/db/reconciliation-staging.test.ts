import { parse } from 'csv-parse/sync';
import { copyLine, stagingTable } from '../../../src/db/reconciliation/staging';

const row = {
  kind: 'REFUND' as const,
  channelTradeNo: '2026120122001',
  outTradeNo: 'orphan, "quoted"\nline',
  outRefundNo: '',
  amount: 1999,
  currency: 'CNY',
  createdAt: new Date('2026-12-01T01:00:00Z'),
  finishedAt: new Date('2026-12-01T01:02:03.456Z'),
};

test('COPY lines read back as the same fields (a CSV reader agrees), empty strings stay strings, null stays NULL', () => {
  const records: unknown = parse(copyLine(row));
  const [fields] = records as string[][];
  expect(fields).toEqual([
    'REFUND',
    '2026120122001',
    'orphan, "quoted"\nline',
    '',
    '1999',
    'CNY',
    '2026-12-01T01:02:03.456Z',
  ]);
  expect(copyLine({ ...row, outTradeNo: 'pay_a-1', outRefundNo: '' })).toContain(',pay_a-1,"",1999,');
  expect(copyLine({ ...row, outTradeNo: 'pay_a-1', outRefundNo: null })).toContain(',pay_a-1,,1999,');
});

test('staging tables are named by run id only', () => {
  expect(stagingTable('rec_0123456789abcdef0123456789abcdef')).toBe(
    'recon_stage_0123456789abcdef0123456789abcdef',
  );
  expect(() => stagingTable('rec_x; DROP TABLE payments')).toThrow(RangeError);
});

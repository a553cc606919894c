import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { readAlipayBillCsv } from '../../src/channels/alipay/alipay-bill-csv';
import { readAlipayBillZip } from '../../src/channels/alipay/alipay-bill-zip';
import { loadBillCsvIntoStaging } from '../../src/db/reconciliation/bill-csv-load';
import { migrate } from '../../src/db/migrate';
import { rawTable, stagingTable } from '../../src/db/reconciliation/staging';
import { zipOf } from '../unit/channels/support/bill-zip';

/** The bulk path (PostgreSQL parses the CSV) gives the same rows as the row reader, and fails as loudly. */

const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,' +
  '订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,' +
  '商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const ZEROS = '0.00,0.00,0.00,0.00,0.00,,0.00,0.00';
const row = (
  id: string,
  out: string,
  type: string,
  subject: string,
  fen: string,
  received: string,
  refundNo = '',
) =>
  `${id}\t,${out}\t,${type},${subject},2024-02-01 10:00:00,2024-02-01 23:59:59,,,,,b***@x.com,${fen},${received},${ZEROS},${refundNo},0.00,0.00,`;

const ROWS = [
  row('2024020122001400011', 'pay_a-1', '交易', '"拿铁, 大杯 ""特"" #2"', '12.30', '12.30'),
  row('2024020122001400011', 'pay_a-1', '退款', '"拿铁, 大杯 ""特"" #2"', '12.30', '-2.30', 'ref_9\t'),
  // A quoted subject over two lines, the second starting with `#`: a record, not a comment.
  row('2024020122001400012', 'pay_b-2', '交易', '"多行\r\n#不是注释"', '0.01', '0.01'),
  row('2024020122001400013', 'orphan-1234', '交易', 'orphan', '100.00', '100.00'),
];

function bill(rows: string[], totals = { pay: [3, '112.31'], refund: [1, '-2.30'] }): string {
  return [
    '#支付宝业务明细查询',
    '#账号：[2088000000000001]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    HEADER,
    ...rows,
    '#-----------------------------------------业务明细列表结束------------------------------------',
    `#交易合计：${totals.pay[0]}笔，商家实收共${totals.pay[1]}元，商家优惠共0.00元，支付宝优惠共0.00元，服务费共0.00元`,
    `#退款合计：${totals.refund[0]}笔，商家实收共${totals.refund[1]}元，商家优惠共0.00元，支付宝优惠共0.00元，服务费共0.00元`,
    '#导出时间：[2024年02月02日 09:13:52]',
    '',
  ].join('\r\n');
}
const zip = (text: string) => zipOf([{ name: '2088000000000001_20240201_业务明细.csv', text }]);

let pool: Pool;
beforeAll(async () => {
  pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
  await migrate(pool);
});
afterAll(async () => pool?.end());

const newRun = () => `rec_${randomBytes(16).toString('hex')}`;

async function bulk(zipped: Buffer, runId = newRun()) {
  const progress: number[] = [];
  const n = await loadBillCsvIntoStaging(pool, runId, await readAlipayBillCsv(zipped), (k) => {
    progress.push(k);
  });
  const staged = await pool.query<Record<string, unknown>>(
    `SELECT kind, channel_trade_no, out_trade_no, out_refund_no, amount::int, currency, finished_at
     FROM ${stagingTable(runId)} ORDER BY out_trade_no, kind`,
  );
  return { n, progress, rows: staged.rows, runId };
}

test('the same rows as the row reader: trailing tabs, a subject with comma, quote, # and a newline, refunds, 0.01', async () => {
  const zipped = await zip(bill(ROWS));
  const reference: Record<string, unknown>[] = [];
  for await (const r of readAlipayBillZip(zipped)) {
    reference.push({
      kind: r.kind,
      channel_trade_no: r.channelTradeNo,
      out_trade_no: r.outTradeNo,
      out_refund_no: r.outRefundNo,
      amount: r.amount,
      currency: r.currency,
      finished_at: r.finishedAt,
    });
  }
  reference.sort((a, b) =>
    `${a.out_trade_no as string}${a.kind as string}`.localeCompare(
      `${b.out_trade_no as string}${b.kind as string}`,
    ),
  );
  const { n, progress, rows, runId } = await bulk(zipped);
  expect(n).toBe(4);
  expect(progress.at(-1)).toBe(4);
  expect(rows).toEqual(reference);
  expect(rows.find((r) => r.out_trade_no === 'pay_b-2')?.amount).toBe(1);
  expect(rows.find((r) => r.kind === 'REFUND')).toMatchObject({ amount: 230, out_refund_no: 'ref_9' });
  // The raw table is gone; a second load (a retry) starts over and loads each row once.
  expect((await pool.query('SELECT to_regclass($1) AS t', [rawTable(runId)])).rows[0].t).toBeNull();
  expect((await bulk(zipped, runId)).rows).toHaveLength(4);
});

test.each([
  [
    'a bad amount',
    row('2024020122001400014', 'pay_c-1', '交易', 'x', '1.2.3', '1.2.3'),
    /bill row 2 is malformed/,
  ],
  [
    'three decimals',
    row('2024020122001400014', 'pay_c-1', '交易', 'x', '1.234', '1.23'),
    /bill row 2 is malformed/,
  ],
  [
    'an unknown type',
    row('2024020122001400014', 'pay_c-1', '转账', 'x', '1.00', '1.00'),
    /bill row 2 is malformed/,
  ],
  ['a missing id', row('', 'pay_c-1', '交易', 'x', '1.00', '1.00'), /bill row 2 is malformed/],
  [
    'an impossible date',
    row('2024020122001400014', 'pay_c-1', '交易', 'x', '1.00', '1.00').replace(
      '2024-02-01 23:59:59',
      '2024-02-30 23:59:59',
    ),
    /bill row 2 is malformed/,
  ],
  ['a missing field', '2024020122001400014\t,pay_c-1\t,交易', /bill row 2 is malformed.*missing data/],
])('a row with %s fails the load with its number, as the row reader does', async (what, bad, error) => {
  const rows = [ROWS[3]!, bad, ROWS[0]!];
  await expect(async () => {
    for await (const _r of readAlipayBillZip(await zip(bill(rows)))) void _r;
  }).rejects.toThrow(what === 'a missing field' ? /Invalid Record Length/ : /bill row 2 is malformed/);
  await expect(bulk(await zip(bill(rows)))).rejects.toThrow(error);
});

test('totals that disagree with the rows fail the load; a bill lacking a column fails before loading', async () => {
  await expect(bulk(await zip(bill(ROWS, { pay: [3, '112.32'], refund: [1, '-2.30'] })))).rejects.toThrow(
    /bill totals disagree with its rows: PAYMENT rows 3 \(stated 3\), received 11231 \(stated 11232\)/,
  );
  await expect(bulk(await zip(bill(ROWS, { pay: [3, '112.31'], refund: [2, '-2.30'] })))).rejects.toThrow(
    /REFUND rows 1 \(stated 2\)/,
  );
  // A retry of the run after a failed load (its raw table and staging parts left behind) starts over.
  const runId = newRun();
  await expect(bulk(await zip(bill([ROWS[0]!, ROWS[1]!.replace('-2.30', 'x')])), runId)).rejects.toThrow(
    /bill row 2 is malformed/,
  );
  expect((await pool.query('SELECT to_regclass($1) AS t', [rawTable(runId)])).rows[0].t).not.toBeNull();
  expect((await bulk(await zip(bill(ROWS)), runId)).rows).toHaveLength(4);
  await expect(bulk(await zip(bill(ROWS).replace('商户订单号', '订单号')))).rejects.toThrow(
    /bill lacks column 商户订单号/,
  );
});

/** Enough rows for many chunks: they go to both raw parts (two COPYs at once). */
const MANY = Array.from({ length: 3000 }, (_, i) =>
  row(`20240201220015${String(i + 1).padStart(5, '0')}`, `pay_p-${i + 1}`, '交易', '"x, y"', '1.00', '1.00'),
);
const manyBill = (rows: string[]) => bill(rows, { pay: [3000, '3000.00'], refund: [0, '0.00'] });
const partRows = async (table: string) =>
  [1, 2].map(async (i) => (await pool.query(`SELECT count(*)::int AS n FROM ${table}_${i}`)).rows[0].n);

test('a bill in many chunks loads through both parts at once; a bad row in either is named by its number', async () => {
  // A type and times padded with whitespace (the fast SQL trims those only when it must): read as the row reader reads them.
  const padded = MANY.map((r, i) =>
    i === 4 ? r.replace('交易', ' 交易\t').replace(':00,', ':00\t,').replace(':59,', ':59 ,') : r,
  );
  const ok = await bulk(await zip(manyBill(padded)));
  expect(ok.n).toBe(3000);
  expect(ok.rows.find((r) => r.out_trade_no === 'pay_p-5')).toMatchObject({
    kind: 'PAYMENT',
    finished_at: new Date('2024-02-01T15:59:59Z'),
  });
  expect(new Set(ok.rows.map((r) => r.out_trade_no)).size).toBe(3000);
  const staged = await Promise.all(await partRows(stagingTable(ok.runId)));
  expect(staged.every((n) => n > 0) && staged[0]! + staged[1]! === 3000).toBe(true);
  for (const at of [2900, 1700]) {
    const bad = MANY.map((r, i) => (i + 1 === at ? r.replace('1.00,1.00', '1.2.3,1.00') : r));
    const runId = newRun();
    await expect(bulk(await zip(manyBill(bad)), runId)).rejects.toThrow(`bill row ${at} is malformed`);
    const raw = await Promise.all(await partRows(rawTable(runId)));
    expect(raw.every((n) => n > 0)).toBe(true);
  }
  const cut = MANY.map((r, i) => (i === 2949 ? r.split(',').slice(0, 3).join(',') : r));
  await expect(bulk(await zip(manyBill(cut)))).rejects.toThrow(/bill row 2950 is malformed.*missing data/);
});

import { readAlipayBillZip } from '../../../src/channels/alipay/alipay-bill-zip';
import { collect, gbkNamedZipOf, zipOf } from './support/bill-zip';

/** Alipay's trade bill as Alipay serves it (a zip of GBK CSVs), read by the adapter. */

const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,' +
  '订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,' +
  '商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const ZEROS = '0.00,0.00,0.00,0.00,0.00,,0.00,0.00';

const DETAIL = [
  '#支付宝业务明细查询',
  '#账号：[2088000000000001]',
  '#起始日期：[2024年02月01日 00:00:00]   终止日期：[2024年02月02日 00:00:00]',
  '#-----------------------------------------业务明细列表----------------------------------------',
  HEADER,
  `2024020122001400011\t,pay_a-1\t,交易,"拿铁, 大杯 #2",2024-02-01 10:00:00,2024-02-01 10:00:05,,,,,b***@x.com,12.30,12.30,${ZEROS},,-0.07,0.00,`,
  `2024020122001400011\t,pay_a-1\t,退款,"拿铁, 大杯 #2",2024-02-01 10:00:00,2024-02-01 11:30:00,,,,,b***@x.com,12.30,-2.30,${ZEROS},ref_9\t,0.01,0.00,`,
  `2024020122001400012\t,orphan-1234\t,交易,orphan,2024-02-01 23:59:59,2024-02-01 23:59:59,,,,,,100.00,100.00,${ZEROS},,0.00,0.00,`,
  '#-----------------------------------------业务明细列表结束------------------------------------',
  '#交易合计：2笔，商家实收共112.30元，商家优惠共0.00元，支付宝优惠共0.00元，服务费共-0.07元',
  '#退款合计：1笔，商家实收共-2.30元，商家优惠共0.00元，支付宝优惠共0.00元，服务费共0.01元',
  '#导出时间：[2024年02月02日 09:13:52]',
  '',
].join('\r\n');

const SUMMARY = [
  '#支付宝业务汇总查询',
  '#账号：[2088000000000001]',
  '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）',
  '合计,,2,1,112.30,110.00',
  '',
].join('\r\n');

// The summary first: the detail is chosen by its name, never by its place.
const FILES = [
  { name: '2088000000000001_20240201_业务明细(汇总).csv', text: SUMMARY },
  { name: '2088000000000001_20240201_业务明细.csv', text: DETAIL },
];

const EXPECTED = [
  {
    kind: 'PAYMENT',
    channelTradeNo: '2024020122001400011',
    outTradeNo: 'pay_a-1',
    outRefundNo: null,
    amount: 1230,
    currency: 'CNY',
    createdAt: new Date('2024-02-01T02:00:00Z'),
    finishedAt: new Date('2024-02-01T02:00:05Z'),
  },
  {
    kind: 'REFUND',
    channelTradeNo: '2024020122001400011',
    outTradeNo: 'pay_a-1',
    outRefundNo: 'ref_9',
    amount: 230,
    currency: 'CNY',
    createdAt: new Date('2024-02-01T02:00:00Z'),
    finishedAt: new Date('2024-02-01T03:30:00Z'),
  },
  {
    kind: 'PAYMENT',
    channelTradeNo: '2024020122001400012',
    outTradeNo: 'orphan-1234',
    outRefundNo: null,
    amount: 10000,
    currency: 'CNY',
    createdAt: new Date('2024-02-01T15:59:59Z'),
    finishedAt: new Date('2024-02-01T15:59:59Z'),
  },
];

test('a GBK zip bill: quoted Chinese subject with a comma, trailing tabs, a refund, an orphan trade', async () => {
  expect(await collect(readAlipayBillZip(await zipOf(FILES)))).toEqual(EXPECTED);
  expect(await collect(readAlipayBillZip(await zipOf([...FILES].reverse())))).toEqual(EXPECTED);
});

test('file names in GBK without the UTF-8 flag, as Alipay zips them, are found by name too', async () => {
  expect(await collect(readAlipayBillZip(await gbkNamedZipOf(FILES)))).toEqual(EXPECTED);
});

test('columns are read by their header names, whatever their order', async () => {
  const columns = HEADER.split(',');
  const swap = (line: string) => {
    const cells = line.split(',');
    return [cells[1], cells[0], ...cells.slice(2)].join(',');
  };
  const reordered = [
    swap(columns.join(',')),
    swap(`T1\t,o-1\t,交易,x,2024-02-01 10:00:00,2024-02-01 10:00:01,,,,,,1.00,1.00,${ZEROS},,0.00,0.00,`),
  ];
  const rows = await collect(
    readAlipayBillZip(await zipOf([{ name: 'p_20240201_业务明细.csv', text: reordered.join('\r\n') }])),
  );
  expect(rows).toMatchObject([{ channelTradeNo: 'T1', outTradeNo: 'o-1', amount: 100 }]);
});

test('a bill that cannot be read fails loudly', async () => {
  const read = async (files: { name: string; text: string }[]) =>
    collect(readAlipayBillZip(await zipOf(files)));
  await expect(read([FILES[0]!])).rejects.toThrow(/no business detail file/);
  await expect(read([FILES[1]!, { ...FILES[1]!, name: `x/${FILES[1]!.name}` }])).rejects.toThrow(/two/);
  await expect(
    read([{ name: 'a_业务明细.csv', text: '支付宝交易号,商户订单号\r\n1,2\r\n' }]),
  ).rejects.toThrow(/lacks column 业务类型/);
  const badAmount = DETAIL.replace(',12.30,12.30,', ',12.3x,12.30,');
  await expect(read([{ name: 'a_业务明细.csv', text: badAmount }])).rejects.toThrow(/row 1 is malformed/);
  await expect(readAlipayBillZip(Buffer.from('not a zip')).next()).rejects.toThrow();
});

import { BillLineSplitter } from '../../../src/channels/alipay/alipay-bill-lines';
import { totalsOf } from '../../../src/channels/alipay/alipay-bill-csv';
import iconv from 'iconv-lite';

/** The bulk path's line splitter: which lines are comments, the header, and the records it passes on. */

const TEXT = [
  '#支付宝业务明细查询',
  '',
  'a,b,c',
  '1\t,"x, ""y"" #z",3',
  '2\t,"two\r\n#lines 商品",交易',
  '#交易合计：2笔，商家实收共1.01元，商家优惠共0.00元',
  '#退款合计：1笔，商家实收共-0.01元，商家优惠共0.00元',
  '#导出时间：[2024年02月02日 09:13:52]',
].join('\r\n');
/** The bill's bytes, as Alipay writes them. */
const BYTES = iconv.encode(TEXT, 'gbk');

function split(chunkSize: number) {
  const s = new BillLineSplitter();
  const bytes: Buffer[] = [];
  let rows = 0;
  for (let i = 0; i < BYTES.length; i += chunkSize) {
    const c = s.push(BYTES.subarray(i, i + chunkSize));
    bytes.push(c.bytes);
    rows += c.rows;
  }
  const last = s.end();
  bytes.push(last.bytes);
  return { s, text: iconv.decode(Buffer.concat(bytes), 'gbk'), rows: rows + last.rows };
}

test.each([1, 2, 7, 64, 100_000])(
  'records pass on as their bytes, in chunks of %i bytes: quoted commas, quotes, a # inside a quoted field',
  (size) => {
    const { s, text, rows } = split(size);
    expect(s.header).toEqual(['a', 'b', 'c']);
    expect(text).toBe('1\t,"x, ""y"" #z",3\r\n2\t,"two\r\n#lines 商品",交易\r\n');
    expect(rows).toBe(2);
    expect(s.comments).toHaveLength(4);
    expect(s.comments[3]).toBe('#导出时间：[2024年02月02日 09:13:52]');
  },
);

test('the bill totals come from the trailer lines, in fen; missing lines give none', () => {
  expect(totalsOf(split(100).s.comments)).toEqual({
    PAYMENT: { rows: 2, received: 101 },
    REFUND: { rows: 1, received: -1 },
  });
  expect(totalsOf(['#交易合计：2笔，商家实收共1.01元'])).toBeNull();
});

test('a bill that ends inside a quoted field is refused', () => {
  const s = new BillLineSplitter();
  s.push(Buffer.from('a,b\r\n1,"open'));
  expect(() => s.end()).toThrow(/inside a quoted field/);
});

import { BillLineSplitter } from '../../../src/channels/alipay/alipay-bill-lines';
import { totalsOf } from '../../../src/channels/alipay/alipay-bill-csv';

/** The bulk path's line splitter: which lines are comments, the header, and the records it passes on. */

const TEXT = [
  '#支付宝业务明细查询',
  '',
  'a,b,c',
  '1\t,"x, ""y"" #z",3',
  '2\t,"two\r\n#lines",4',
  '#交易合计：2笔，商家实收共1.01元，商家优惠共0.00元',
  '#退款合计：1笔，商家实收共-0.01元，商家优惠共0.00元',
  '#导出时间：[2024年02月02日 09:13:52]',
].join('\r\n');

function split(chunkSize: number) {
  const s = new BillLineSplitter();
  let text = '';
  let rows = 0;
  for (let i = 0; i < TEXT.length; i += chunkSize) {
    const c = s.push(TEXT.slice(i, i + chunkSize));
    text += c.text;
    rows += c.rows;
  }
  const last = s.end();
  return { s, text: text + last.text, rows: rows + last.rows };
}

test.each([1, 2, 7, 64, 100_000])(
  'records pass on as they are, in chunks of %i characters: quoted commas, quotes, a # inside a quoted field',
  (size) => {
    const { s, text, rows } = split(size);
    expect(s.header).toEqual(['a', 'b', 'c']);
    expect(text).toBe('1\t,"x, ""y"" #z",3\r\n2\t,"two\r\n#lines",4\r\n');
    expect(rows).toBe(2);
    expect(s.comments).toHaveLength(4);
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
  s.push('a,b\r\n1,"open');
  expect(() => s.end()).toThrow(/inside a quoted field/);
});

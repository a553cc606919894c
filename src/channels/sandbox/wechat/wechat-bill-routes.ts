import type { FastifyInstance } from 'fastify';
import { beijingDay, beijingDayRange } from '../../beijing-time';
import { billEntries } from '../bill-entries';
import type { WechatContext } from './wechat-context';
import { WECHAT_BOOK_ACCOUNT } from './wechat-context';
import { failure, wechatRoute } from './wechat-http';
import { gzipBill, wechatBillText, type WechatBillEntry } from './wechat-bill-file';
import type { WechatLedger } from './wechat-ledger';

/**
 * `GET /v3/bill/tradebill` answers where the day's gzip lies and its SHA1; `download_url` serves it (a
 * signed request, an unsigned answer: the digest vouches for the file, as at WeChat Pay). The same file is
 * on `GET /sim/bills/{billDate}` for tests and operators, unsigned, and (through `billFile`) on the
 * sandbox's own port as `GET /sim/bills/sandbox_wechat/{billDate}` (contract section 4).
 */
export function registerWechatBillRoutes(
  app: FastifyInstance,
  ctx: WechatContext,
): { billFile(day: string): Buffer } {
  const entriesOf = (day: string): WechatBillEntry[] =>
    withRefundsThatMovedNothing(billEntries(ctx.book.list(WECHAT_BOOK_ACCOUNT), day), ctx.ledger, day);
  const billOf = (day: string): { file: Buffer; sha1: string } =>
    gzipBill(
      wechatBillText(ctx.keys, entriesOf(day), {
        refundIdOf: (outRefundNo) => ctx.ledger.findRefund(outRefundNo)?.refundId ?? '0',
        attachOf: (outTradeNo) => ctx.ledger.tokenOf(outTradeNo) ?? '',
      }),
    );
  const validDay = (day: string | undefined): day is string =>
    day !== undefined && beijingDayRange(day) !== null && day <= beijingDay(new Date());

  wechatRoute(app, ctx, 'GET', '/v3/bill/tradebill', null, (call) => {
    const day = call.query.bill_date;
    if (!validDay(day)) return failure(400, 'NO_STATEMENT_EXIST', 'no bill for that day');
    // As at WeChat Pay: a past day without a single trade has no bill at all. (Today's bill, which WeChat
    // never serves, is served here as it stands, even empty, for tests and operators.)
    if (day < beijingDay(new Date()) && entriesOf(day).length === 0)
      return failure(400, 'NO_STATEMENT_EXIST', 'no trade on that day, no bill');
    if ((call.query.tar_type ?? 'GZIP') !== 'GZIP')
      return failure(400, 'PARAM_ERROR', 'tar_type must be GZIP');
    return {
      status: 200,
      body: {
        hash_type: 'SHA1',
        hash_value: billOf(day).sha1,
        download_url: `${call.baseUrl}/v3/billdownload/file?token=${day}&tartype=gzip`,
      },
    };
  });

  wechatRoute(app, ctx, 'GET', '/v3/billdownload/file', null, (call) => {
    const day = call.query.token;
    if (!validDay(day)) return failure(404, 'RESOURCE_NOT_EXISTS', 'no such bill');
    return { status: 200, raw: billOf(day).file };
  });

  app.get<{ Params: { billDate: string } }>('/sim/bills/:billDate', (request, reply) => {
    const day = request.params.billDate;
    if (!beijingDayRange(day)) return reply.code(400).send({ error: 'billDate must be yyyy-MM-dd' });
    return reply.type('application/gzip').send(billOf(day).file);
  });
  return { billFile: (day) => billOf(day).file };
}

/**
 * The day's entries and, on the day they were asked for, the refunds that ended CLOSED or ABNORMAL (no
 * money moved: WeChat lists them with 退款状态 REFUNDCLOSE or CHANGE), in time order. A refund still
 * PROCESSING is left out: its row appears on the day it succeeds.
 */
function withRefundsThatMovedNothing(
  entries: WechatBillEntry[],
  ledger: WechatLedger,
  day: string,
): WechatBillEntry[] {
  const unmoved: WechatBillEntry[] = [];
  for (const refund of ledger.listRefunds()) {
    if (refund.status !== 'CLOSED' && refund.status !== 'ABNORMAL') continue;
    if (beijingDay(refund.createdAt) !== day) continue;
    const { trade } = refund;
    unmoved.push({
      type: '退款',
      tradeNo: trade.tradeNo,
      outTradeNo: trade.outTradeNo,
      subject: trade.subject,
      createdAt: trade.createdAt,
      finishedAt: refund.createdAt,
      orderFen: trade.totalFen,
      receivedFen: -refund.amountFen,
      refundRequestNo: refund.outRefundNo,
      refundStatus: refund.status === 'CLOSED' ? 'REFUNDCLOSE' : 'CHANGE',
    });
  }
  return [...entries, ...unmoved].sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { beijingDayRange } from '../beijing-time';
import { billEntries } from './bill-entries';
import { alipayBillZip, billZipName } from './bill-file';
import { isSandboxAccountName, sandboxPid, type SandboxAccountName } from './sandbox-keys';
import type { TradeBook } from './trade-book';

/**
 * The bill of one account and Beijing day, twice: where bill_download_url points (as a real channel's
 * file server) and `GET /sim/bills/{account}/{billDate}` on the sandbox's own routes. Same file.
 */
export function registerBillRoutes(app: FastifyInstance, book: TradeBook): void {
  app.get<{ Params: { account: string; file: string } }>('/bills/:account/:file', async (request, reply) => {
    const { account, file } = request.params;
    const day = /^(\d{4}-\d{2}-\d{2})\.csv\.zip$/.exec(file)?.[1];
    if (!day || !beijingDayRange(day) || !isSandboxAccountName(account)) {
      return reply.code(404).type('text/plain').send('no such bill');
    }
    return sendBill(reply, book, account, day);
  });

  app.get<{ Params: { account: string; billDate: string } }>(
    '/sim/bills/:account/:billDate',
    async (request, reply) => {
      const { account, billDate } = request.params;
      if (!beijingDayRange(billDate)) return reply.code(400).send({ error: 'billDate must be yyyy-MM-dd' });
      if (!isSandboxAccountName(account)) return reply.code(404).send({ error: 'no such account' });
      return sendBill(reply, book, account, billDate);
    },
  );
}

/** Streamed as it is zipped: a drill's or a benchmark's day may hold many trades. */
function sendBill(
  reply: FastifyReply,
  book: TradeBook,
  account: SandboxAccountName,
  day: string,
): FastifyReply {
  const meta = { pid: sandboxPid(account), day, exportedAt: new Date() };
  const zip = alipayBillZip(meta, billEntries(book.list(account), day));
  return reply
    .type('application/zip')
    .header('content-disposition', `attachment; filename="${billZipName(meta)}"`)
    .send(zip);
}

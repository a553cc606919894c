import type { FastifyInstance } from 'fastify';
import { billDownloadUrlQuery } from './bill-methods';
import { InvalidBizParameter } from './biz-fields';
import { invalidArgument, invalidBizParameter, type ResponseNode } from './gateway-answers';
import { parseGatewayRequest } from './gateway-request';
import { tradePay, tradePrecreate } from './payment-methods';
import { tradeRefund, tradeRefundQuery } from './refund-methods';
import type { SandboxFaults } from './sandbox-faults';
import type { SandboxAccountName, SandboxKeys } from './sandbox-keys';
import type { GatewayMethod, SandboxContext } from './sandbox-context';
import { signedGatewayBody } from './sandbox-signing';
import { tradeCancel, tradeClose, tradeQuery } from './trade-methods';

/** 20000: the gateway's own system error; whether anything happened is unknown to the caller. */
const SYSTEM_BUSY: ResponseNode = {
  code: '20000',
  msg: 'Service Currently Unavailable',
  sub_code: 'isp.unknow-error',
  sub_msg: 'system busy',
};

const METHODS: Record<string, GatewayMethod> = {
  'alipay.trade.pay': tradePay,
  'alipay.trade.precreate': tradePrecreate,
  'alipay.trade.query': tradeQuery,
  'alipay.trade.close': tradeClose,
  'alipay.trade.cancel': tradeCancel,
  'alipay.trade.refund': tradeRefund,
  'alipay.trade.fastpay.refund.query': tradeRefundQuery,
  'alipay.data.dataservice.bill.downloadurl.query': billDownloadUrlQuery,
};

/**
 * `POST /gateway.do`, the classic Alipay gateway: always HTTP 200 with a JSON body whose
 * `<method>_response` node carries the code, signed with the account's channel key.
 */
export function registerGatewayRoute(
  app: FastifyInstance,
  deps: {
    keys: Record<SandboxAccountName, SandboxKeys>;
    context: () => Omit<SandboxContext, 'baseUrl' | 'now'>;
    faults: SandboxFaults;
  },
): void {
  app.post('/gateway.do', async (request, reply) => {
    const parsed = parseGatewayRequest(request.query, request.body, deps.keys);
    let node: ResponseNode;
    let account: SandboxAccountName | null;
    if (parsed.ok) {
      account = parsed.call.account;
      const context = {
        ...deps.context(),
        baseUrl: `${request.protocol}://${request.host}`,
        now: new Date(),
      };
      // A drill's fault: an error before the method runs (no effect), or a timeout after it (effect).
      const fault = deps.faults.forGatewayCall(parsed.call.method);
      if (fault === 'http_5xx') return reply.code(503).type('text/plain').send('Service Unavailable');
      const logError = (err: unknown): void => request.log.error(err, 'sandbox method failed');
      node = fault === 'system_error' ? SYSTEM_BUSY : await answer(parsed.call, context, logError);
      if (fault === 'timeout') await context.scheduler.sleep(context.timeoutDelayMs);
    } else {
      account = parsed.account;
      node = parsed.node;
    }
    const body = account
      ? signedGatewayBody(parsed.responseKey, node, deps.keys[account].channelPrivateKeyPem)
      : JSON.stringify({ [parsed.responseKey]: node });
    return reply.type('application/json; charset=utf-8').send(body);
  });
}

async function answer(
  call: Parameters<GatewayMethod>[0],
  context: SandboxContext,
  logError: (err: unknown) => void,
): Promise<ResponseNode> {
  const method = METHODS[call.method];
  if (!method)
    return invalidArgument('isv.invalid-method', `method ${call.method} is not served by the sandbox`);
  try {
    return (await method(call, context)).node;
  } catch (err) {
    if (err instanceof InvalidBizParameter) {
      return invalidBizParameter(err.message).node;
    }
    logError(err);
    return SYSTEM_BUSY;
  }
}

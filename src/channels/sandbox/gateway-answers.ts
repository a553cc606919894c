/** Response nodes with Alipay's real codes, so the adapter's code table is exercised for real. */

export type ResponseNode = Record<string, unknown> & { code: string; msg: string };

export interface GatewayAnswer {
  node: ResponseNode;
}

export function succeeded(fields: Record<string, unknown> = {}): GatewayAnswer {
  return { node: { code: '10000', msg: 'Success', ...fields } };
}

/** 10003: the order exists and waits for the buyer (bar-code pay needing the buyer's confirmation). */
export function waitingForBuyer(fields: Record<string, unknown>): GatewayAnswer {
  return { node: { code: '10003', msg: ' order success pay inprocess', ...fields } };
}

/** 40004 business failure, e.g. `businessFailure('ACQ.TRADE_NOT_EXIST', 'trade does not exist')`. */
export function businessFailure(
  subCode: string,
  subMsg: string,
  fields: Record<string, unknown> = {},
): GatewayAnswer {
  return { node: { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg, ...fields } };
}

export function missingArgument(subCode: string, subMsg: string): ResponseNode {
  return { code: '40001', msg: 'Missing Required Arguments', sub_code: subCode, sub_msg: subMsg };
}

export function invalidArgument(subCode: string, subMsg: string): ResponseNode {
  return { code: '40002', msg: 'Invalid Arguments', sub_code: subCode, sub_msg: subMsg };
}

export function invalidBizParameter(subMsg: string): GatewayAnswer {
  return businessFailure('ACQ.INVALID_PARAMETER', subMsg);
}

import { beijingDayRange } from '../beijing-time';
import { InvalidBizParameter, requiredString } from './biz-fields';
import { businessFailure, succeeded } from './gateway-answers';
import type { GatewayMethod } from './sandbox-context';

/** The path bill_download_url names for that account's day (under the sandbox's base URL). */
export function billFilePath(account: string, day: string): string {
  return `/bills/${account}/${day}.csv.zip`;
}

/** alipay.data.dataservice.bill.downloadurl.query: a URL on the sandbox serving that account's day. */
export const billDownloadUrlQuery: GatewayMethod = (call, ctx) => {
  if (requiredString(call.biz, 'bill_type') !== 'trade')
    throw new InvalidBizParameter('bill_type must be trade');
  const day = requiredString(call.biz, 'bill_date');
  const range = beijingDayRange(day);
  if (!range) throw new InvalidBizParameter('bill_date must be yyyy-MM-dd');
  if (range.start.getTime() > ctx.now.getTime())
    return businessFailure('isp.bill_not_exist', 'no bill for that day yet');
  return succeeded({ bill_download_url: `${ctx.baseUrl}${billFilePath(call.account, day)}` });
};

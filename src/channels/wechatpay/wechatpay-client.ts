import { AxiosError, type AxiosInstance } from 'axios';
import { Decorator } from 'wechatpay-axios-plugin';
import type { WechatPayAccountConfig } from './wechatpay-config';
import { WECHAT_TRANSPORT_CODES } from './wechatpay-codes';

/** A WeChat Pay answer we can trust (its signature verified), or why there is none. */
export type WechatCall =
  | { answered: true; status: number; body: Record<string, unknown> | null }
  | { answered: false; code: string; message: string };

/**
 * API v3 over wechatpay-axios-plugin: it signs every request with the merchant key and verifies every
 * answer with the platform public key named by `Wechatpay-Serial` (and its timestamp within 5 minutes).
 * Every HTTP status counts as an answer here, so that error answers are verified too (the library skips
 * verification of statuses axios deems failures); an answer that fails is no answer at all.
 */
export class WechatPayClient {
  readonly v3: AxiosInstance;

  constructor(readonly account: WechatPayAccountConfig) {
    const decorator = new Decorator({
      mchid: account.mchId,
      serial: account.merchantSerialNo,
      privateKey: account.merchantPrivateKey,
      certs: { [account.platformPublicKeyId]: account.platformPublicKey },
      baseURL: account.gatewayUrl,
      timeout: account.timeoutMs,
      validateStatus: () => true,
    });
    this.v3 = decorator.v3;
  }

  async call(
    method: 'GET' | 'POST',
    path: string,
    opts: { data?: unknown; params?: Record<string, string> } = {},
  ): Promise<WechatCall> {
    try {
      const res = await this.v3.request<unknown>({
        method,
        url: path,
        ...(opts.data !== undefined ? { data: opts.data } : {}),
        ...(opts.params ? { params: opts.params } : {}),
      });
      const body = res.data;
      if (body === '' || body === undefined || body === null)
        return { answered: true, status: res.status, body: null };
      if (typeof body !== 'object' || Array.isArray(body)) {
        return {
          answered: false,
          code: WECHAT_TRANSPORT_CODES.unexpected,
          message: `HTTP ${res.status}: not JSON`,
        };
      }
      return { answered: true, status: res.status, body: body as Record<string, unknown> };
    } catch (err) {
      return { answered: false, ...failureOf(err) };
    }
  }
}

/** The library's verification errors carry codes `EV3_RES_…`; anything else never reached an answer. */
export function failureOf(err: unknown): { code: string; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof AxiosError) {
    if (typeof err.code === 'string' && err.code.startsWith('EV3_RES_')) {
      return { code: WECHAT_TRANSPORT_CODES.badSignature, message: `${err.code}: ${message}` };
    }
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || /timeout/i.test(message)) {
      return { code: WECHAT_TRANSPORT_CODES.timeout, message };
    }
  }
  return { code: WECHAT_TRANSPORT_CODES.transport, message };
}

/** The `code` and `message` of an error answer. */
export function errorOf(call: { status: number; body: Record<string, unknown> | null }): {
  code: string;
  message: string;
} {
  const code = typeof call.body?.code === 'string' ? call.body.code : `HTTP_${call.status}`;
  const message = typeof call.body?.message === 'string' ? call.body.message : `HTTP ${call.status}`;
  return { code, message };
}

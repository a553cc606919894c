import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import type { ChannelAccountConfig } from '../channel-config';
import { TRANSPORT_CODES, alipayOutcome, canonicalAlipayCode, type AlipayOutcome } from './alipay-codes';

/** An answer the gateway gave and signed, its response node with Alipay's own field names. */
export interface AlipayAnswer {
  outcome: AlipayOutcome;
  /** Our canonical code (`SYSTEM_ERROR`, `BUYER_BALANCE_NOT_ENOUGH`, `10000`…). */
  code: string;
  message: string;
  fields: Record<string, unknown>;
}

export type AlipayCall =
  | { answered: true; answer: AlipayAnswer }
  /** No trustworthy answer: timeout, transport error, HTTP error, bad response signature. */
  | { answered: false; code: string; message: string };

/**
 * The classic gateway through Alipay's own SDK: it signs requests, posts them and verifies response
 * signatures, so pointing an account at the real gateway is configuration only.
 */
export class AlipayGateway {
  private readonly sdk: AlipaySdk;

  constructor(private readonly account: ChannelAccountConfig) {
    this.sdk = new AlipaySdk({
      appId: account.appId,
      privateKey: account.appPrivateKey,
      // The SDK rebuilds the PEM from the header it expects, so it must be told which one it gets.
      keyType: account.appPrivateKey.includes('BEGIN RSA PRIVATE KEY') ? 'PKCS1' : 'PKCS8',
      alipayPublicKey: account.alipayPublicKey,
      gateway: account.gatewayUrl,
      timeout: account.timeoutMs,
      signType: account.signType,
      charset: account.charset,
      version: account.version,
      // Keep Alipay's snake_case field names: they are what the API documents.
      camelcase: false,
    });
  }

  async call(
    method: string,
    bizContent: Record<string, unknown>,
    withNotifyUrl = false,
  ): Promise<AlipayCall> {
    // Only defined parameters: the SDK signs `key=undefined` for an undefined one, the gateway does not.
    const params: Record<string, unknown> = { bizContent, format: this.account.format };
    if (withNotifyUrl) params.notifyUrl = this.account.notifyUrl;
    if (this.account.appAuthToken) params.appAuthToken = this.account.appAuthToken;
    try {
      const node = await this.sdk.exec(method, params, { validateSign: true });
      const {
        code,
        msg,
        sub_code: subCode,
        sub_msg: subMsg,
      } = node as {
        code?: unknown;
        msg?: unknown;
        sub_code?: unknown;
        sub_msg?: unknown;
      };
      if (typeof code !== 'string')
        return unanswered(TRANSPORT_CODES.transport, 'response node without code');
      const sub = typeof subCode === 'string' ? subCode : undefined;
      const message = [msg, sub, subMsg].filter((part) => typeof part === 'string' && part !== '').join(': ');
      return {
        answered: true,
        answer: {
          outcome: alipayOutcome(code, sub),
          code: canonicalAlipayCode(code, sub),
          message: message || code,
          fields: node,
        },
      };
    } catch (err) {
      return unanswered(failureCode(err), err instanceof Error ? err.message : String(err));
    }
  }

  /** The SDK's own notify check, over the decoded form fields (V2: no second URL-decoding). */
  verifyNotifySignature(fields: Record<string, string>): boolean {
    try {
      return this.sdk.checkNotifySignV2(fields);
    } catch {
      return false;
    }
  }
}

function unanswered(code: string, message: string): AlipayCall {
  return { answered: false, code, message };
}

function failureCode(err: unknown): string {
  if (err instanceof AlipayRequestError && err.message.includes('验签失败'))
    return TRANSPORT_CODES.badSignature;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error && /timeout/i.test(cause.name)) return TRANSPORT_CODES.timeout;
  return TRANSPORT_CODES.transport;
}

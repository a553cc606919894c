import { AlipaySdk, type AlipaySdkCommonResult } from 'alipay-sdk';
import { eventually, type SandboxHarness } from './sandbox-harness';

/** Alipay's own Node SDK for the `sandbox` account, with the sandbox's keys unless a test swaps one. */
export function sandboxSdk(
  h: SandboxHarness,
  overrides: { privateKey?: string; alipayPublicKey?: string } = {},
) {
  const account = h.sandbox.accounts.sandbox;
  const sdk = new AlipaySdk({
    appId: account.appId,
    privateKey: overrides.privateKey ?? account.appPrivateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey: overrides.alipayPublicKey ?? account.channelPublicKeyPem,
    gateway: `${h.sandbox.url}/gateway.do`,
    camelcase: false,
  });
  /** Every call verifies the response signature. */
  const exec = (method: string, bizContent: Record<string, unknown>, extra: Record<string, string> = {}) =>
    sdk.exec(method, { bizContent, ...extra }, { validateSign: true });

  /** Bar-code pay with sim_success, then wait until a query shows the trade paid. */
  const payAndWait = async (outTradeNo: string, amount = '19.99'): Promise<AlipaySdkCommonResult> => {
    const biz = {
      out_trade_no: outTradeNo,
      scene: 'bar_code',
      auth_code: 'sim_success',
      subject: 'Coffee',
      total_amount: amount,
    };
    const paid = await exec('alipay.trade.pay', biz, { notifyUrl: h.accounts[0]?.notifyUrl ?? '' });
    expect(paid).toMatchObject({ code: '10003', out_trade_no: outTradeNo, total_amount: amount });
    return eventually(async () => {
      const q = await exec('alipay.trade.query', { out_trade_no: outTradeNo });
      return q.trade_status === 'TRADE_SUCCESS' ? q : undefined;
    });
  };
  return { sdk, exec, payAndWait };
}

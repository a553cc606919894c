import { AlipayChannel } from './alipay/alipay-channel';
import type { AnyChannelAccountConfig } from './channel-config';
import type { ChannelPort } from './channel-port';
import { WechatPayChannel } from './wechatpay/wechatpay-channel';

/** The configured channel accounts by name; activities and the notify endpoint look them up here. */
export interface ChannelRegistry {
  /** Throws for a name that is not configured: a payment routed there is a configuration bug. */
  get(name: string): ChannelPort;
  has(name: string): boolean;
  names(): string[];
  /** The protocol an account speaks (`alipay`, `wechatpay`); undefined for a name not configured. */
  kindOf(name: string): AnyChannelAccountConfig['kind'] | undefined;
}

export function createChannelRegistry(accounts: AnyChannelAccountConfig[]): ChannelRegistry {
  const channels = new Map<string, ChannelPort>();
  const kinds = new Map<string, AnyChannelAccountConfig['kind']>();
  for (const account of accounts) {
    if (channels.has(account.name)) throw new Error(`duplicate channel account name: ${account.name}`);
    kinds.set(account.name, account.kind);
    channels.set(
      account.name,
      account.kind === 'wechatpay' ? new WechatPayChannel(account) : new AlipayChannel(account),
    );
  }
  return {
    get(name) {
      const channel = channels.get(name);
      if (!channel)
        throw new Error(`unknown channel account: ${name} (configured: ${[...channels.keys()].join(', ')})`);
      return channel;
    },
    has: (name) => channels.has(name),
    names: () => [...channels.keys()],
    kindOf: (name) => kinds.get(name),
  };
}

/** Reading WeChat answers' fields without trusting their shape. */

export function str(body: Record<string, unknown> | null, name: string): string | null {
  const value = body?.[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `amount.<name>`: integer fen, our minor units as they are. */
export function amountFen(body: Record<string, unknown> | null, name: string): number | null {
  const amount = body?.amount;
  const value = amount && typeof amount === 'object' ? (amount as Record<string, unknown>)[name] : undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** WeChat Pay takes CNY in integer fen; anything else is refused before any call. */
export function amountRefusal(amount: number, currency: string): { code: string; message: string } | null {
  if (currency !== 'CNY')
    return { code: 'CURRENCY_NOT_SUPPORTED', message: `WeChat Pay takes CNY, not ${currency}` };
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return { code: 'INVALID_AMOUNT', message: 'amount must be a positive integer of fen' };
  }
  return null;
}

import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { DomainError } from '../domain/domain-errors';
import { checkNotifyUrlForm, isForbiddenNotifyAddress } from '../domain/notify-url-policy';

/**
 * The payment-create side of the notifyUrl rule (contract section 5): the URL's form and, with
 * `production`, every address its host resolves to. Throws a VALIDATION_ERROR naming the reason.
 * A name that does not exist is refused; a DNS failure that may heal is left to the check at delivery.
 */
export async function assertDeliverableNotifyUrl(
  url: string,
  { production }: { production: boolean },
): Promise<void> {
  const form = checkNotifyUrlForm(url, { production });
  if (!form.ok) throw new DomainError('VALIDATION_ERROR', `notifyUrl: ${form.reason}`);
  if (!production || form.ipLiteral) return;
  let addresses: LookupAddress[];
  try {
    addresses = await dnsLookupAsync(form.hostname, { all: true, verbatim: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA')
      throw new DomainError('VALIDATION_ERROR', `notifyUrl: host ${form.hostname} does not resolve`);
    return;
  }
  const bad = addresses.find((a) => isForbiddenNotifyAddress(a.address));
  if (bad) {
    throw new DomainError(
      'VALIDATION_ERROR',
      `notifyUrl: host ${form.hostname} resolves to a non-public address (${bad.address})`,
    );
  }
}

import { createSign, createVerify } from 'node:crypto';

/**
 * The channel side of Alipay's RSA2 (SHA256withRSA) scheme, written independently of the SDK so that
 * tests of the SDK against the sandbox check two implementations against each other.
 */

/** ASCII-sorted `key=value` pairs joined by `&`, leaving out `excluded` keys and empty values. */
export function signingContent(params: Record<string, string>, excluded: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !excluded.includes(key) && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

export function rsa2Sign(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
}

export function rsa2Verify(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/** Requests are signed over every parameter but `sign` (sign_type included). */
export const REQUEST_SIGN_EXCLUDED = ['sign'] as const;
/** Notifies are signed over every field but `sign` and `sign_type`. */
export const NOTIFY_SIGN_EXCLUDED = ['sign', 'sign_type'] as const;

/**
 * `{"<method>_response":<node>,"sign":"…"}` where the signature covers the exact JSON text of the node,
 * which is why the body is assembled from that text rather than re-serialised.
 */
export function signedGatewayBody(responseKey: string, node: object, channelPrivateKeyPem: string): string {
  const nodeText = JSON.stringify(node);
  const signature = rsa2Sign(nodeText, channelPrivateKeyPem);
  return `{${JSON.stringify(responseKey)}:${nodeText},"sign":${JSON.stringify(signature)}}`;
}

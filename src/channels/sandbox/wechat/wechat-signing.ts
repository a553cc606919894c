import { createCipheriv, createSign, createVerify, randomBytes } from 'node:crypto';

/**
 * WeChat Pay API v3 signatures as the platform makes and checks them: SHA256withRSA over lines joined
 * by `\n` with a trailing `\n`. Written on node:crypto alone so that the client library the tests use as
 * an outside judge shares no code with the sandbox it judges.
 */

/** The `Authorization` scheme every API v3 request carries. */
export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** How far a request's timestamp may be from the sandbox's clock, as WeChat allows. */
export const MAX_CLOCK_SKEW_S = 300;

export function signLines(lines: string[], privateKeyPem: string): string {
  return createSign('RSA-SHA256')
    .update(lines.map((line) => `${line}\n`).join(''))
    .sign(privateKeyPem, 'base64');
}

export function verifyLines(lines: string[], signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(lines.map((line) => `${line}\n`).join(''))
      .verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",…` → its fields, or null when malformed. */
export function parseAuthorization(header: string | undefined): AuthorizationFields | null {
  if (!header?.startsWith(`${AUTH_SCHEME} `)) return null;
  const fields: Record<string, string> = {};
  for (const match of header.slice(AUTH_SCHEME.length + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined) fields[name] = value;
  }
  const names = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;
  return names.every((name) => typeof fields[name] === 'string')
    ? (fields as unknown as AuthorizationFields)
    : null;
}

/** The four headers WeChat Pay signs every answer and notify with (`timestamp\nnonce\nbody\n`). */
export function signedHeaders(
  body: string,
  keys: { platformPublicKeyId: string; platformPrivateKeyPem: string },
  now = new Date(),
): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const nonce = randomBytes(16).toString('hex');
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': keys.platformPublicKeyId,
    'Wechatpay-Signature': signLines([timestamp, nonce, body], keys.platformPrivateKeyPem),
  };
}

/** AEAD_AES_256_GCM as notify resources carry it: base64(ciphertext ‖ 16-byte tag). */
export function encryptResource(
  plaintext: string,
  apiV3Key: string,
  associatedData: string,
): { algorithm: 'AEAD_AES_256_GCM'; ciphertext: string; associated_data: string; nonce: string } {
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: body.toString('base64'),
    associated_data: associatedData,
    nonce,
  };
}

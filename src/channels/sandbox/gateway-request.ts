import { parseBeijingTime } from '../beijing-time';
import { invalidArgument, missingArgument, type ResponseNode } from './gateway-answers';
import { SANDBOX_ACCOUNT_NAMES, type SandboxAccountName, type SandboxKeys } from './sandbox-keys';
import { REQUEST_SIGN_EXCLUDED, rsa2Verify, signingContent } from './sandbox-signing';

/** A gateway call whose public parameters and signature checked out. */
export interface GatewayCall {
  account: SandboxAccountName;
  method: string;
  /** Every request parameter (query string and form body), e.g. notify_url, app_auth_token. */
  params: Record<string, string>;
  biz: Record<string, unknown>;
}

export type ParsedGatewayRequest =
  | { ok: true; call: GatewayCall; responseKey: string }
  /** `account` is known when the app_id was, so the refusal can be signed with that account's key. */
  | { ok: false; responseKey: string; node: ResponseNode; account: SandboxAccountName | null };

/**
 * Reads a classic `gateway.do` request the way Alipay does: public parameters in the query string or
 * the form body (the SDK puts biz_content in the body), RSA2 signature over all of them but `sign`.
 */
export function parseGatewayRequest(
  query: unknown,
  body: unknown,
  keys: Record<SandboxAccountName, SandboxKeys>,
): ParsedGatewayRequest {
  const params = { ...stringFields(body), ...stringFields(query) };
  const method = params.method;
  if (!method) return refuse('error_response', null, missingArgument('isv.missing-method', 'missing method'));
  const responseKey = `${method.replaceAll('.', '_')}_response`;

  const account = SANDBOX_ACCOUNT_NAMES.find((name) => keys[name].appId === params.app_id) ?? null;
  if (!params.app_id)
    return refuse(responseKey, null, missingArgument('isv.missing-app-id', 'missing app_id'));
  if (!account) return refuse(responseKey, null, invalidArgument('isv.invalid-app-id', 'unknown app_id'));

  const problem = publicParameterProblem(params);
  if (problem) return refuse(responseKey, account, problem);

  const content = signingContent(params, REQUEST_SIGN_EXCLUDED);
  if (!rsa2Verify(content, params.sign ?? '', keys[account].appPublicKeyPem)) {
    const node = invalidArgument(
      'isv.invalid-signature',
      `invalid signature; the gateway signed: ${content}`,
    );
    return refuse(responseKey, account, node);
  }

  const biz = parseBizContent(params.biz_content);
  if (!biz) {
    return refuse(
      responseKey,
      account,
      invalidArgument('isv.invalid-parameter', 'biz_content is not a JSON object'),
    );
  }
  return { ok: true, call: { account, method, params, biz }, responseKey };
}

function refuse(
  responseKey: string,
  account: SandboxAccountName | null,
  node: ResponseNode,
): ParsedGatewayRequest {
  return { ok: false, responseKey, node, account };
}

function publicParameterProblem(params: Record<string, string>): ResponseNode | null {
  if (!params.sign) return missingArgument('isv.missing-signature', 'missing sign');
  if (!params.sign_type) return missingArgument('isv.missing-signature-type', 'missing sign_type');
  if (params.sign_type !== 'RSA2')
    return invalidArgument('isv.invalid-signature-type', 'sign_type must be RSA2');
  if (!params.timestamp) return missingArgument('isv.missing-timestamp', 'missing timestamp');
  if (!parseBeijingTime(params.timestamp)) {
    return invalidArgument('isv.invalid-timestamp', 'timestamp must be yyyy-MM-dd HH:mm:ss');
  }
  if (!params.version) return missingArgument('isv.missing-version', 'missing version');
  if (params.version !== '1.0') return invalidArgument('isv.invalid-version', 'version must be 1.0');
  if (params.charset && params.charset.toLowerCase() !== 'utf-8') {
    return invalidArgument('isv.invalid-charset', 'charset must be utf-8');
  }
  if (params.format && params.format.toUpperCase() !== 'JSON') {
    return invalidArgument('isv.invalid-format', 'format must be JSON');
  }
  return null;
}

/** Form and query values as strings; a repeated parameter keeps its last value. */
function stringFields(source: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!source || typeof source !== 'object') return fields;
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    const last: unknown = Array.isArray(value) ? value.at(-1) : value;
    if (typeof last === 'string') fields[name] = last;
  }
  return fields;
}

function parseBizContent(text: string | undefined): Record<string, unknown> | null {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

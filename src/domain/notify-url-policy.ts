/**
 * Where merchant notifications may be sent (contract section 5), the pure part: the URL's form and the
 * classification of IP addresses. With `production` a notifyUrl must be https and must not point at a
 * loopback, private, link-local or otherwise non-public address; the local stack allows http anywhere
 * (loopback included). Names are resolved elsewhere (the delivery activity, and the create-side check),
 * and every address they resolve to goes through `classifyIpAddress` here.
 */

export const MAX_NOTIFY_URL_LENGTH = 2048;

export interface NotifyUrlPolicyOptions {
  /** NODE_ENV=production: https only, public addresses only. */
  production: boolean;
}

export type AddressClass =
  'public' | 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

export type NotifyUrlCheck =
  | {
      ok: true;
      url: URL;
      /** The host without IPv6 brackets. */
      hostname: string;
      /** True when the host is an IP address (no name to resolve). */
      ipLiteral: boolean;
    }
  | { ok: false; reason: string };

/** Parses a dotted-quad IPv4 address into its four octets; null when it is not one. */
export function parseIpv4(text: string): [number, number, number, number] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets as [number, number, number, number];
}

/** Parses an IPv6 address (with `::` and an embedded IPv4 tail) into eight 16-bit groups; null when it is not one. */
export function parseIpv6(input: string): number[] | null {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.length < 2 || !/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  if (text.includes('.')) {
    // An IPv4 tail (::ffff:1.2.3.4) becomes its two 16-bit groups (::ffff:102:304).
    const lastColon = text.lastIndexOf(':');
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    text = `${text.slice(0, lastColon + 1)}${hex(v4[0], v4[1])}:${hex(v4[2], v4[3])}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  if (!head) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const rest = groups(halves[1] ?? '');
  if (!rest) return null;
  const fill = 8 - head.length - rest.length;
  if (fill < 1) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...rest];
}

function classifyIpv4([a, b, c]: [number, number, number, number]): AddressClass {
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10) return 'private';
  if (a === 172 && b >= 16 && b <= 31) return 'private';
  if (a === 192 && b === 168) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private'; // shared address space (carrier-grade NAT)
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved'; // includes 255.255.255.255
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved'; // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return 'reserved'; // benchmarking
  if (a === 198 && b === 51 && c === 100) return 'reserved'; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return 'reserved'; // TEST-NET-3
  return 'public';
}

function v4From(hi: number, lo: number): [number, number, number, number] {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function classifyIpv6(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeros = (...xs: number[]) => xs.every((x) => x === 0);
  if (zeros(g0, g1, g2, g3, g4, g5, g6, g7)) return 'unspecified';
  if (zeros(g0, g1, g2, g3, g4, g5, g6) && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 decides.
  if (zeros(g0, g1, g2, g3, g4) && (g5 === 0xffff || g5 === 0)) {
    const v4 = v4From(g6, g7);
    return classifyIpv4(v4);
  }
  if (g0 === 0x64 && g1 === 0xff9b && zeros(g2, g3, g4, g5)) {
    const v4 = v4From(g6, g7);
    return classifyIpv4(v4);
  }
  if (g0 === 0x2002) {
    const v4 = v4From(g1, g2); // 6to4
    const cls = classifyIpv4(v4);
    if (cls !== 'public') return cls;
  }
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local fec0::/10
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if (zeros(g0) && g1 !== 0) return 'reserved'; // ::/16 leftovers (not mapped, not compatible)
  return 'public';
}

/** What kind of address `ip` is (IPv4 or IPv6 text, brackets allowed); null when it is not an IP address. */
export function classifyIpAddress(ip: string): AddressClass | null {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const v4 = parseIpv4(text);
  if (v4) return classifyIpv4(v4);
  const v6 = text.includes(':') ? parseIpv6(text) : null;
  return v6 ? classifyIpv6(v6) : null;
}

/** True for an address a production notification must never be sent to. */
export function isForbiddenNotifyAddress(ip: string): boolean {
  const cls = classifyIpAddress(ip);
  return cls !== null && cls !== 'public';
}

/**
 * Checks a notifyUrl's form: an absolute http(s) URL, https and no literal non-public address or
 * `localhost` name in production. Names still have to be resolved and their addresses checked.
 */
export function checkNotifyUrlForm(raw: string, { production }: NotifyUrlPolicyOptions): NotifyUrlCheck {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'notifyUrl is empty' };
  if (raw.length > MAX_NOTIFY_URL_LENGTH)
    return { ok: false, reason: `notifyUrl is longer than ${MAX_NOTIFY_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'notifyUrl is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { ok: false, reason: 'notifyUrl must be an http(s) URL' };
  const hostname =
    url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (hostname === '') return { ok: false, reason: 'notifyUrl has no host' };
  const cls = classifyIpAddress(hostname);
  if (production) {
    if (url.protocol !== 'https:') return { ok: false, reason: 'notifyUrl must use https' };
    if (url.username !== '' || url.password !== '')
      return { ok: false, reason: 'notifyUrl must not carry credentials' };
    if (cls !== null && cls !== 'public')
      return { ok: false, reason: `notifyUrl must not point at a ${cls} address (${hostname})` };
    const lower = hostname.toLowerCase().replace(/\.$/, '');
    if (lower === 'localhost' || lower.endsWith('.localhost'))
      return { ok: false, reason: 'notifyUrl must not point at localhost' };
  }
  return { ok: true, url, hostname, ipLiteral: cls !== null };
}

import {
  NOTIFICATION_MAX_TRIES,
  NOTIFICATION_RETRY_DELAYS_MS,
  nextNotificationDelayMs,
  notificationRetryDelaysMs,
  notificationScheduleTotalMs,
  notificationWorkflowId,
  parseScheduleScale,
} from '../../../src/domain/notification-schedule';
import {
  checkNotifyUrlForm,
  classifyIpAddress,
  isForbiddenNotifyAddress,
  parseIpv6,
} from '../../../src/domain/notify-url-policy';
import {
  parseSignatureHeader,
  signNotification,
  verifyNotificationSignature,
} from '../../../src/activities/merchant-notification-signature';
import { createHmac } from 'node:crypto';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;

describe('merchant notification retry schedule', () => {
  test('the contract schedule exactly: 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h', () => {
    expect(NOTIFICATION_RETRY_DELAYS_MS).toEqual([
      15 * s,
      15 * s,
      30 * s,
      3 * m,
      10 * m,
      20 * m,
      30 * m,
      30 * m,
      30 * m,
      60 * m,
      3 * h,
      3 * h,
      3 * h,
      6 * h,
      6 * h,
    ]);
    expect(NOTIFICATION_RETRY_DELAYS_MS).toHaveLength(15);
    expect(NOTIFICATION_MAX_TRIES).toBe(16);
    expect(notificationRetryDelaysMs()).toEqual([...NOTIFICATION_RETRY_DELAYS_MS]);
    expect(notificationScheduleTotalMs()).toBe(86_640 * s); // about 24 h
    expect(Object.isFrozen(NOTIFICATION_RETRY_DELAYS_MS)).toBe(true);
  });

  test('next delay after each failed try, then null (DEAD) after the 16th', () => {
    expect(nextNotificationDelayMs(1)).toBe(15 * s);
    expect(nextNotificationDelayMs(3)).toBe(30 * s);
    expect(nextNotificationDelayMs(10)).toBe(60 * m);
    expect(nextNotificationDelayMs(15)).toBe(6 * h);
    expect(nextNotificationDelayMs(16)).toBeNull();
    expect(nextNotificationDelayMs(100)).toBeNull();
    expect(() => nextNotificationDelayMs(0)).toThrow(RangeError);
    expect(() => nextNotificationDelayMs(1.5)).toThrow(RangeError);
  });

  test('a scale factor compresses every wait proportionally, in whole ms, never below 1 ms', () => {
    expect(notificationRetryDelaysMs(0.001)).toEqual([
      15, 15, 30, 180, 600, 1_200, 1_800, 1_800, 1_800, 3_600, 10_800, 10_800, 10_800, 21_600, 21_600,
    ]);
    expect(notificationRetryDelaysMs(0.0001).slice(0, 4)).toEqual([2, 2, 3, 18]);
    expect(notificationRetryDelaysMs(1e-9).every((d) => d === 1)).toBe(true);
    expect(notificationRetryDelaysMs(2)[0]).toBe(30 * s);
    expect(nextNotificationDelayMs(4, 0.5)).toBe(90 * s);
    expect(notificationScheduleTotalMs(0.0001)).toBeLessThan(10 * s);
  });

  test('bad scale factors are refused', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => notificationRetryDelaysMs(bad)).toThrow(RangeError);
    }
  });

  test('MERCHANT_NOTIFY_SCHEDULE_SCALE: default 1, numbers > 0 only', () => {
    expect(parseScheduleScale(undefined)).toBe(1);
    expect(parseScheduleScale('')).toBe(1);
    expect(parseScheduleScale(' 0.001 ')).toBe(0.001);
    expect(parseScheduleScale('1e-4')).toBe(0.0001);
    for (const bad of ['0', '-1', 'fast', 'NaN', 'Infinity']) expect(() => parseScheduleScale(bad)).toThrow();
  });

  test('workflow ids: notify-<eventId>, then notify-<eventId>-resend-<n>', () => {
    const id = `evt_${'ab'.repeat(16)}`;
    expect(notificationWorkflowId(id, 0)).toBe(`notify-${id}`);
    expect(notificationWorkflowId(id, 2)).toBe(`notify-${id}-resend-2`);
    expect(() => notificationWorkflowId('evt_x', 0)).toThrow(RangeError);
    expect(() => notificationWorkflowId(id, -1)).toThrow(RangeError);
  });
});

describe('notifyUrl policy', () => {
  const prod = { production: true };
  const dev = { production: false };

  test('the local stack allows http, loopback included', () => {
    for (const url of [
      'http://127.0.0.1:4000/hook',
      'http://localhost/x',
      'https://example.com/n',
      'http://10.0.0.5/',
    ]) {
      expect(checkNotifyUrlForm(url, dev)).toMatchObject({ ok: true });
    }
    expect(checkNotifyUrlForm('http://127.0.0.1:4000/hook', dev)).toMatchObject({
      ok: true,
      hostname: '127.0.0.1',
      ipLiteral: true,
    });
    expect(checkNotifyUrlForm('https://example.com/n', dev)).toMatchObject({ ipLiteral: false });
  });

  test('every environment: absolute http(s) URLs only', () => {
    for (const url of [
      '',
      'not a url',
      '/relative',
      'ftp://example.com/x',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      expect(checkNotifyUrlForm(url, dev)).toMatchObject({ ok: false });
      expect(checkNotifyUrlForm(url, prod)).toMatchObject({ ok: false });
    }
    expect(checkNotifyUrlForm(`https://example.com/${'a'.repeat(2100)}`, dev)).toMatchObject({ ok: false });
  });

  test('production: https to a public host only', () => {
    expect(checkNotifyUrlForm('https://merchant.example.com/notify?x=1', prod)).toMatchObject({ ok: true });
    expect(checkNotifyUrlForm('https://93.184.216.34/notify', prod)).toMatchObject({
      ok: true,
      ipLiteral: true,
    });
    expect(checkNotifyUrlForm('https://[2606:4700::1111]/n', prod)).toMatchObject({ ok: true });
    const refused = [
      'http://merchant.example.com/notify', // not https
      'https://127.0.0.1/n',
      'https://127.1.2.3/n',
      'https://localhost/n',
      'https://api.localhost/n',
      'https://10.1.2.3/n',
      'https://172.16.0.1/n',
      'https://172.31.255.255/n',
      'https://192.168.1.1/n',
      'https://169.254.169.254/latest/meta-data', // link-local (cloud metadata)
      'https://0.0.0.0/n',
      'https://[::1]/n',
      'https://[fe80::1]/n',
      'https://[fd00::1]/n',
      'https://[::ffff:127.0.0.1]/n', // IPv4-mapped loopback
      'https://[::ffff:10.0.0.1]/n',
      'https://2130706433/n', // 127.0.0.1 as a number: URL parsing normalises it
      'https://0x7f.1/n',
      'https://user:pw@merchant.example.com/n',
    ];
    for (const url of refused) {
      const r = checkNotifyUrlForm(url, prod);
      expect({ url, ok: r.ok }).toEqual({ url, ok: false });
    }
    expect(checkNotifyUrlForm('https://169.254.169.254/', prod)).toEqual({
      ok: false,
      reason: 'notifyUrl must not point at a link-local address (169.254.169.254)',
    });
  });

  test('address classes', () => {
    const cases: Array<[string, string | null]> = [
      ['8.8.8.8', 'public'],
      ['127.0.0.1', 'loopback'],
      ['10.255.0.1', 'private'],
      ['172.15.0.1', 'public'],
      ['172.16.0.1', 'private'],
      ['172.32.0.1', 'public'],
      ['192.168.0.1', 'private'],
      ['100.64.0.1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['fe80::abcd%eth0', 'link-local'],
      ['fc00::1', 'private'],
      ['ff02::1', 'multicast'],
      ['::ffff:192.168.1.1', 'private'],
      ['::ffff:c0a8:101', 'private'],
      ['::ffff:8.8.8.8', 'public'],
      ['64:ff9b::127.0.0.1', 'loopback'],
      ['2002:7f00:1::', 'loopback'],
      ['2001:db8::1', 'reserved'],
      ['2606:4700:4700::1111', 'public'],
      ['example.com', null],
      ['1.2.3', null],
      ['256.1.1.1', null],
      ['01.2.3.4', null],
      ['1:2:3:4:5:6:7:8:9', null],
      ['1::2::3', null],
    ];
    for (const [ip, cls] of cases) expect({ ip, cls: classifyIpAddress(ip) }).toEqual({ ip, cls });
    expect(isForbiddenNotifyAddress('8.8.8.8')).toBe(false);
    expect(isForbiddenNotifyAddress('127.0.0.1')).toBe(true);
    expect(isForbiddenNotifyAddress('example.com')).toBe(false); // names are resolved, then checked
    expect(parseIpv6('1::8')).toEqual([1, 0, 0, 0, 0, 0, 0, 8]);
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  });
});

describe('Payment-Signature', () => {
  const body = '{"id":"evt_1","type":"payment.succeeded","createdAt":"2030-01-01T00:00:00.000Z","data":{}}';

  test('t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">', () => {
    const header = signNotification('whsec_test_demo', body, 1_700_000_000);
    const hmac = createHmac('sha256', 'whsec_test_demo').update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${hmac}`);
    expect(parseSignatureHeader(header)).toEqual({ timestamp: 1_700_000_000, signatures: [hmac] });
  });

  test('verification: right secret, body and time only', () => {
    const header = signNotification('whsec_test_demo', body, 1_700_000_000);
    const at = { nowSeconds: 1_700_000_100 };
    expect(verifyNotificationSignature(header, body, 'whsec_test_demo', at)).toBe(true);
    expect(verifyNotificationSignature(header, body, 'whsec_other', at)).toBe(false);
    expect(verifyNotificationSignature(header, `${body} `, 'whsec_test_demo', at)).toBe(false);
    expect(verifyNotificationSignature(header, body, 'whsec_test_demo', { nowSeconds: 1_700_001_000 })).toBe(
      false,
    );
    expect(verifyNotificationSignature('garbage', body, 'whsec_test_demo', at)).toBe(false);
  });
});

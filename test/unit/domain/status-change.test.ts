import { clampPaidAt } from '../../../src/domain/status-change';

describe('clampPaidAt', () => {
  const created = '2026-12-01T10:00:00.700Z';
  test('a channel time in the second the payment was created, truncated, becomes createdAt', () => {
    expect(clampPaidAt('2026-12-01T10:00:00.000Z', created, '2026-12-01T10:00:01.000Z')).toBe(created);
  });
  test('a later channel time is kept as it is', () => {
    expect(clampPaidAt('2026-12-01T10:00:02.000Z', created, '2026-12-01T10:00:03.000Z')).toBe(
      '2026-12-01T10:00:02.000Z',
    );
  });
  test('no channel time: now', () => {
    expect(clampPaidAt(null, created, '2026-12-01T10:00:05.000Z')).toBe('2026-12-01T10:00:05.000Z');
  });
});

import fc from 'fast-check';
import { parseRfc3339Millis } from '../../../src/domain/rfc3339';

describe('parseRfc3339Millis', () => {
  it.each([
    ['2030-01-01T00:00:00Z', Date.UTC(2030, 0, 1)],
    ['2030-01-01T00:00:00.000Z', Date.UTC(2030, 0, 1)],
    ['2030-01-01T08:00:00+08:00', Date.UTC(2030, 0, 1)],
    ['2029-12-31T19:30:00-04:30', Date.UTC(2030, 0, 1)],
    ['2030-01-01t00:00:00z', Date.UTC(2030, 0, 1)],
    ['2030-06-15T12:34:56.789Z', Date.UTC(2030, 5, 15, 12, 34, 56, 789)],
    ['2030-06-15T12:34:56.7Z', Date.UTC(2030, 5, 15, 12, 34, 56, 700)],
    ['2030-06-15T12:34:56.789999Z', Date.UTC(2030, 5, 15, 12, 34, 56, 789)],
    ['2028-02-29T00:00:00Z', Date.UTC(2028, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['0050-01-01T00:00:00Z', -60589296000000],
  ])('%s', (s, expected) => {
    expect(parseRfc3339Millis(s)).toBe(expected);
  });

  it.each([
    [''],
    ['2030-01-01'],
    ['2030-01-01T00:00:00'],
    ['2030-01-01 00:00:00Z'],
    ['2030-1-01T00:00:00Z'],
    ['2030-13-01T00:00:00Z'],
    ['2030-00-01T00:00:00Z'],
    ['2030-02-29T00:00:00Z'],
    ['1900-02-29T00:00:00Z'],
    ['2030-04-31T00:00:00Z'],
    ['2030-01-00T00:00:00Z'],
    ['2030-01-01T24:00:00Z'],
    ['2030-01-01T00:60:00Z'],
    ['2030-12-31T23:59:60Z'],
    ['2030-01-01T00:00:00.Z'],
    ['2030-01-01T00:00:00+0800'],
    ['2030-01-01T00:00:00+24:00'],
    ['2030-01-01T00:00:00+08:60'],
    ['2030-01-01T00:00:00Z '],
    ['+012030-01-01T00:00:00Z'],
    ['tomorrow'],
  ])('refuses %p', (s) => {
    expect(parseRfc3339Millis(s)).toBeNull();
  });

  it('agrees with Date for every ISO string Date writes', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseRfc3339Millis(d.toISOString())).toBe(d.getTime());
        },
      ),
    );
  });

  it('reads every offset form of one instant as that instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (t, offsetMinutes) => {
          // Write the local wall-clock time for the offset, then the offset itself.
          const local = new Date(t + offsetMinutes * 60_000).toISOString().slice(0, -1);
          const abs = Math.abs(offsetMinutes);
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(parseRfc3339Millis(local + offset)).toBe(t);
        },
      ),
    );
  });
});

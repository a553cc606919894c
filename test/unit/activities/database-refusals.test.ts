import { ApplicationFailure } from '@temporalio/common';
import { refuseForGood, withDatabaseRefusals } from '../../../src/activities/database-refusals';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('database refusals', () => {
  test.each(['22021', '22P05', '22008', '23505', '23514', '42703'])(
    'SQLSTATE %s never heals: non-retryable',
    (code) => {
      let thrown: unknown;
      try {
        refuseForGood(pgError(code), 'VALIDATION_ERROR');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ApplicationFailure);
      expect((thrown as ApplicationFailure).nonRetryable).toBe(true);
      expect((thrown as ApplicationFailure).type).toBe('VALIDATION_ERROR');
      expect((thrown as ApplicationFailure).message).toContain(code);
    },
  );

  test.each(['08006', '57P01', '40001', '53300'])('SQLSTATE %s may heal: rethrown as it is', (code) => {
    const err = pgError(code);
    expect(() => refuseForGood(err)).toThrow(err);
  });

  test('a network error without a SQLSTATE is retried', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(() => refuseForGood(err)).toThrow(err);
  });

  test('every activity of a wrapped object answers a refusal as DATABASE_REFUSED', async () => {
    const acts = withDatabaseRefusals({
      ok: async (n: number) => n + 1,
      bad: async () => {
        throw pgError('22P05');
      },
    });
    await expect(acts.ok(1)).resolves.toBe(2);
    await expect(acts.bad()).rejects.toMatchObject({ type: 'DATABASE_REFUSED', nonRetryable: true });
  });
});

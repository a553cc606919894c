import fc from 'fast-check';
import {
  isSaneInstant,
  jsonProblem,
  MAX_INSTANT_MS,
  MIN_INSTANT_MS,
  textProblem,
  toStorableText,
} from '../../../src/domain/text-rules';

describe('textProblem', () => {
  it.each([
    ['plain', 'Coffee', 'name'],
    ['CJK and emoji (a surrogate pair)', '咖啡 ☕ 😀', 'name'],
    ['tab and newline in free text', 'a\tb\nc', 'free'],
    ['empty', '', 'name'],
  ] as const)('accepts %s', (_n, s, kind) => {
    expect(textProblem(s, kind)).toBeNull();
  });

  it.each([
    ['NUL', 'a\u0000b', 'free'],
    ['carriage return', 'a\rb', 'free'],
    ['escape', '\u001b[31m', 'free'],
    ['DEL', 'a\u007f', 'free'],
    ['a C1 control', 'a\u0085', 'free'],
    ['tab in a name', 'a\tb', 'name'],
    ['newline in a name', 'a\n', 'name'],
    ['a lone high surrogate', '\ud800', 'free'],
    ['a lone low surrogate', 'x\udc00y', 'free'],
    ['a high surrogate at the end', 'ok\ud83d', 'free'],
    ['a noncharacter', '\uffff', 'free'],
  ] as const)('refuses %s', (_n, s, kind) => {
    expect(textProblem(s, kind)).toEqual(expect.any(String));
  });

  it('accepts exactly the strings PostgreSQL can store as text and jsonb (no NUL, well-formed UTF-16)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        if (textProblem(s, 'free') === null) {
          expect(s).not.toContain('\u0000');
          expect(() => encodeURIComponent(s)).not.toThrow();
          expect(Buffer.from(s, 'utf8').toString('utf8')).toBe(s);
        }
      }),
    );
  });

  it('never refuses well-formed text without controls', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const clean = [...s].filter((c) => !/[\p{Cc}\uFFFE\uFFFF]/u.test(c)).join('');
        expect(textProblem(clean, 'name')).toBeNull();
      }),
    );
  });
});

describe('toStorableText', () => {
  it('escapes what textProblem refuses, keeps the rest', () => {
    expect(toStorableText('a\u0000b')).toBe('a\\u0000b');
    expect(toStorableText('\ud800x')).toBe('\\ud800x');
    expect(toStorableText('😀\tok')).toBe('😀\tok');
  });

  it('always yields storable text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(textProblem(toStorableText(s), 'free')).toBeNull();
      }),
    );
  });
});

describe('isSaneInstant', () => {
  it('accepts 2000 to 2100, refuses year 0, 1999, 2101 and non-numbers', () => {
    expect(isSaneInstant(Date.UTC(2000, 0, 1))).toBe(true);
    expect(isSaneInstant(Date.UTC(2100, 11, 31, 23, 59, 59))).toBe(true);
    expect(isSaneInstant(Date.UTC(1999, 11, 31, 23, 59, 59))).toBe(false);
    expect(isSaneInstant(Date.UTC(2101, 0, 1))).toBe(false);
    const year0 = new Date(0);
    year0.setUTCFullYear(0, 0, 1);
    expect(isSaneInstant(year0.getTime())).toBe(false);
    expect(isSaneInstant(Number.NaN)).toBe(false);
  });

  it('is the interval [MIN_INSTANT_MS, MAX_INSTANT_MS]', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (ms) => {
        expect(isSaneInstant(ms)).toBe(ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS);
      }),
    );
  });
});

describe('jsonProblem', () => {
  const nested = (depth: number): unknown => {
    let v: unknown = {};
    for (let i = 1; i < depth; i++) v = { a: v };
    return v;
  };

  it('counts container levels, root included', () => {
    expect(jsonProblem(nested(5), { maxDepth: 5 })).toBeNull();
    expect(jsonProblem(nested(6), { maxDepth: 5 })?.message).toMatch(/nested deeper than 5/);
  });

  it('refuses 100,000 levels without exhausting the stack', () => {
    expect(jsonProblem(nested(100_000), { maxDepth: 32 })).not.toBeNull();
    let arr: unknown = [];
    for (let i = 0; i < 100_000; i++) arr = [arr];
    expect(jsonProblem(arr, { maxDepth: 32 })).not.toBeNull();
  });

  it('with checkText, names the key or value holding a control character or lone surrogate', () => {
    expect(jsonProblem({ a: { b: 'x\u0000' } }, { maxDepth: 5, checkText: true })?.path).toBe('a.b');
    expect(jsonProblem({ ['k\u0000']: 1 }, { maxDepth: 5, checkText: true })?.message).toMatch(/^key/);
    expect(jsonProblem({ a: ['ok', '\ud800'] }, { maxDepth: 5, checkText: true })?.path).toBe('a.1');
    expect(jsonProblem({ a: ['ok', 'fine\n'] }, { maxDepth: 5, checkText: true })).toBeNull();
  });

  it('accepts any JSON value within the depth whose strings are printable', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), (text) => {
        const v: unknown = JSON.parse(text);
        const p = jsonProblem(v, { maxDepth: 5, checkText: true });
        if (p) expect(p.message).toMatch(/control|Unicode|noncharacter/);
      }),
    );
  });
});

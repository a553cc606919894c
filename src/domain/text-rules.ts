/**
 * What a text, a date and a JSON value must be before the service keeps it. PostgreSQL refuses NUL in
 * text and jsonb, lone surrogates in jsonb and year 0 in timestamptz; a value it refuses inside an
 * activity is retried for ever, so these rules run at the edge and the database never sees such a value.
 */

/** Free text (subjects, reasons, metadata values) may hold tab and newline; names and tokens may not. */
export type TextKind = 'free' | 'name';

/** C0 controls, DEL and C1 controls (Unicode category Cc). */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * The first thing that makes `s` unacceptable as printable text, or null: a control character (tab and
 * newline allowed in free text), a lone UTF-16 surrogate, or a noncharacter U+FFFE / U+FFFF.
 */
export function textProblem(s: string, kind: TextKind = 'free'): string | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isControl(c)) {
      if (kind === 'free' && (c === 0x09 || c === 0x0a)) continue;
      return `must not contain control characters (found U+${c.toString(16).toUpperCase().padStart(4, '0')})`;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return 'must be well-formed Unicode (lone surrogate)';
    }
    if (c >= 0xdc00 && c <= 0xdfff) return 'must be well-formed Unicode (lone surrogate)';
    if (c === 0xfffe || c === 0xffff) return 'must not contain Unicode noncharacters';
  }
  return null;
}

export function isPrintableText(s: string, kind: TextKind = 'free'): boolean {
  return textProblem(s, kind) === null;
}

/**
 * The same text with every character `textProblem` refuses written as a visible `\uXXXX`: for keeping
 * a refused input on the record (the channel notify inbox) without storing what the database refuses.
 */
export function toStorableText(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    const pair = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
    if (pair) {
      out += s.slice(i, i + 2);
      i++;
    } else if (textProblem(s[i]!, 'free') === null) out += s[i]!;
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** Instants the service accepts anywhere: a year 0 or 275760 date is a mistake, never a deadline. */
export const MIN_INSTANT_MS = Date.UTC(2000, 0, 1);
export const MAX_INSTANT_MS = Date.UTC(2101, 0, 1) - 1;

export function isSaneInstant(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

export interface JsonLimits {
  maxDepth: number;
  /** Strings, keys included, must be printable free text. */
  checkText?: boolean;
}

/**
 * The first problem of a parsed JSON value against `limits`, as `{ path, message }`, or null. Iterative,
 * so a value nested 100,000 levels deep is refused without exhausting the stack.
 */
export function jsonProblem(value: unknown, limits: JsonLimits): { path: string; message: string } | null {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string') {
      const p = limits.checkText ? textProblem(v, 'free') : null;
      if (p) return { path, message: p };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limits.maxDepth)
      return { path, message: `must not be nested deeper than ${limits.maxDepth}` };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      const at = path ? `${path}.${k}` : k;
      if (limits.checkText && !Array.isArray(v)) {
        const p = textProblem(k, 'name');
        if (p) return { path: at, message: `key ${p}` };
      }
      stack.push({ v: x, depth: depth + 1, path: at });
    }
  }
  return null;
}

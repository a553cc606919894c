import { z } from 'zod';
import { parseRfc3339Millis } from '../domain/rfc3339';
import { isSaneInstant, jsonProblem, textProblem, type TextKind } from '../domain/text-rules';

/**
 * The zod face of src/domain/text-rules: every text and date field of every request schema is built from
 * these, so the HTTP API and the typed client refuse the same values, before the database can.
 */

/** A string of printable Unicode of `min`-`max` UTF-16 units (`free`: tab and newline allowed). */
export function text(opts: { min?: number; max: number; kind?: TextKind; trim?: boolean }) {
  const base = opts.trim ? z.string().trim() : z.string();
  return base
    .min(opts.min ?? 1, `must be ${opts.min ?? 1}-${opts.max} characters`)
    .max(opts.max, `must be ${opts.min ?? 1}-${opts.max} characters`)
    .superRefine((s, ctx) => {
      const p = textProblem(s, opts.kind ?? 'free');
      if (p) ctx.addIssue({ code: 'custom', message: p });
    });
}

/** An RFC 3339 date-time with offset, of a year from 2000 to 2100. */
export const TimestampSchema = z.string().superRefine((s, ctx) => {
  const ms = parseRfc3339Millis(s);
  if (ms === null) ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 date-time with offset' });
  else if (!isSaneInstant(ms)) ctx.addIssue({ code: 'custom', message: 'must be a date from 2000 to 2100' });
});

/** The reason of an operator or admin call (contract section 6): 3-500 characters, kept in the audit log. */
export const ReasonSchema = text({ min: 3, max: 500, trim: true });

/** A JSON object of limited depth whose keys and strings are printable. */
export function jsonObject(opts: { maxDepth: number; maxKeys: number; maxBytes: number }) {
  return z.record(z.string(), z.unknown()).superRefine((m, ctx) => {
    if (Object.keys(m).length > opts.maxKeys) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${opts.maxKeys} keys` });
      return;
    }
    const p = jsonProblem(m, { maxDepth: opts.maxDepth, checkText: true });
    if (p) {
      ctx.addIssue({ code: 'custom', path: p.path ? p.path.split('.') : [], message: p.message });
      return;
    }
    if (JSON.stringify(m).length > opts.maxBytes) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${opts.maxBytes / 1024} KiB as JSON` });
    }
  });
}

import { z } from 'zod';
import { ChannelNameSchema, CurrencySchema, TimestampSchema } from '../client/payment-schemas';
import { SOURCES, TRANSACTION_TYPES } from '../domain/payment-status';
import { text, ReasonSchema } from '../client/text-schemas';
import { parseRfc3339Millis } from '../domain/rfc3339';
import { CODE_MODES } from '../domain/retry-rules/retry-rule';

/** Contract section 7: request and response shapes of the retry-rule and audit-log endpoints. */

export const RuleNoSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 characters of [A-Za-z0-9_-]');

export const RuleNoParamsSchema = z.object({ ruleNo: RuleNoSchema });

/** Every operator call may say why (contract section 6); it is kept in the audit log. */
export { ReasonSchema };

const MAX_LIST = 100;

/** A list of distinct values; empty means "any" to the rule matcher. */
function listOf<T extends z.ZodType<string>>(item: T, max = MAX_LIST) {
  return z
    .array(item)
    .max(max, `must have at most ${max} entries`)
    .refine((xs) => new Set(xs).size === xs.length, 'must not repeat a value');
}

const IdentifierSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]');

/** A canonical response code such as SYSTEM_ERROR (ACQ.SYSTEM_ERROR is read as the same code). */
export const RetryCodeSchema = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_.]{0,63}$/, 'must be an upper-case code such as SYSTEM_ERROR');

const BrandSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a payment brand such as ABC_CREDIT');

const millis = (s: string | null | undefined): number | null =>
  typeof s === 'string' ? parseRfc3339Millis(s) : null;

/**
 * The body of `PUT /v1/ops/retry-rules/{ruleNo}`: the whole rule but its number (the path's; it may be
 * repeated in the body, then it must be equal). Unknown fields are refused, so that a misspelt field
 * never silently falls back to its default. A PUT replaces the whole rule: an omitted field takes its
 * default, it does not keep the stored value.
 */
export const PutRetryRuleBodySchema = z
  .strictObject({
    ruleNo: RuleNoSchema.optional(),
    merchantId: IdentifierSchema.nullable().default(null),
    industry: IdentifierSchema.nullable().default(null),
    channels: listOf(ChannelNameSchema).default([]),
    brands: listOf(BrandSchema).default([]),
    currencies: listOf(CurrencySchema).default([]),
    transactionTypes: z
      .array(z.enum(TRANSACTION_TYPES))
      .refine((xs) => new Set(xs).size === xs.length, 'must not repeat a value')
      .default([]),
    codeMode: z.enum(CODE_MODES),
    codes: listOf(RetryCodeSchema, 200).refine((xs) => xs.length > 0, 'must list at least one code'),
    sources: z
      .array(z.enum(SOURCES))
      .refine((xs) => new Set(xs).size === xs.length, 'must not repeat a value')
      .default([]),
    trafficPercent: z.number().int('must be an integer').min(0).max(100),
    maxRetries: z.number().int('must be an integer').min(0).max(10),
    maxWaitMs: z.number().int('must be an integer').min(0).max(3_600_000),
    enabled: z.boolean().default(true),
    validFrom: TimestampSchema.nullable().default(null),
    validTo: TimestampSchema.nullable().default(null),
    reason: ReasonSchema.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.merchantId === null && b.industry === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['merchantId'],
        message: 'a rule needs a merchantId, an industry or both',
      });
    }
    const from = millis(b.validFrom);
    const to = millis(b.validTo);
    if (from !== null && to !== null && from >= to) {
      ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must be after validFrom' });
    }
  });
export type PutRetryRuleBody = z.output<typeof PutRetryRuleBodySchema>;

/**
 * `DELETE /v1/ops/retry-rules/{ruleNo}` takes an optional body with the reason (nullish: Fastify
 * validates a request without body as null, not undefined).
 */
export const DeleteRetryRuleBodySchema = z.strictObject({ reason: ReasonSchema.optional() }).nullish();

export const RetryRuleSchema = z.object({
  ruleNo: z.string(),
  merchantId: z.string().nullable(),
  industry: z.string().nullable(),
  channels: z.array(z.string()),
  brands: z.array(z.string()),
  currencies: z.array(z.string()),
  transactionTypes: z.array(z.enum(TRANSACTION_TYPES)),
  codeMode: z.enum(CODE_MODES),
  codes: z.array(z.string()),
  sources: z.array(z.enum(SOURCES)),
  trafficPercent: z.number().int(),
  maxRetries: z.number().int(),
  maxWaitMs: z.number().int(),
  enabled: z.boolean(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
});

export const RetryRuleListSchema = z.object({ rules: z.array(RetryRuleSchema) });

export const AuditLogQuerySchema = z.object({
  limit: z.coerce.number().int('must be an integer').min(1).max(200).default(50),
  offset: z.coerce.number().int('must be an integer').min(0).max(1_000_000).default(0),
  targetType: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a target type such as retry_rule')
    .optional(),
  targetId: text({ max: 128, kind: 'name' }).optional(),
});

export const AuditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.object({ label: z.string(), role: z.string() }),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  reason: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
});

export const AuditLogSchema = z.object({ entries: z.array(AuditEntrySchema) });

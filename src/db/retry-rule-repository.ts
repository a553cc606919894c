import type { Pool, PoolClient } from 'pg';
import type { RetryRule } from '../domain/retry-rules/retry-rule';
import type { Source, TransactionType } from '../domain/payment-status';
import { appendAudit, type AuditActor } from './audit-log';
import { withTransaction } from './transaction';

interface RetryRuleRow {
  rule_no: string;
  merchant_id: string | null;
  industry: string | null;
  channels: string[];
  brands: string[];
  currencies: string[];
  transaction_types: string[];
  code_mode: RetryRule['codeMode'];
  codes: string[];
  sources: string[];
  traffic_percent: number;
  max_retries: number;
  max_wait_ms: number;
  enabled: boolean;
  valid_from: Date | null;
  valid_to: Date | null;
}

const COLUMNS = `rule_no, merchant_id, industry, channels, brands, currencies, transaction_types, code_mode,
  codes, sources, traffic_percent, max_retries, max_wait_ms, enabled, valid_from, valid_to`;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function toRule(r: RetryRuleRow): RetryRule {
  return {
    ruleNo: r.rule_no,
    merchantId: r.merchant_id,
    industry: r.industry,
    channels: r.channels,
    brands: r.brands,
    currencies: r.currencies,
    // The API admits only the domain's values; the column holds nothing else.
    transactionTypes: r.transaction_types as TransactionType[],
    codeMode: r.code_mode,
    codes: r.codes,
    sources: r.sources as Source[],
    trafficPercent: r.traffic_percent,
    maxRetries: r.max_retries,
    maxWaitMs: r.max_wait_ms,
    enabled: r.enabled,
    validFrom: iso(r.valid_from),
    validTo: iso(r.valid_to),
  };
}

/** $2.. of the INSERT / UPDATE below, in COLUMNS order after rule_no. */
function values(rule: RetryRule): unknown[] {
  return [
    rule.merchantId,
    rule.industry,
    rule.channels,
    rule.brands,
    rule.currencies,
    rule.transactionTypes,
    rule.codeMode,
    rule.codes,
    rule.sources,
    rule.trafficPercent,
    rule.maxRetries,
    rule.maxWaitMs,
    rule.enabled,
    rule.validFrom,
    rule.validTo,
  ];
}

/** Who changes a rule and why: written to the audit log in the same transaction as the change. */
export interface RuleChangeAudit {
  actor: AuditActor;
  reason?: string | null;
}

export interface RuleChange {
  before: RetryRule | null;
  after: RetryRule;
}

/** Retry rules (contract section 7). Rows are never deleted: disabling keeps the rule for the record. */
export class RetryRuleRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Creates the rule or replaces every field of the one with its ruleNo (created_at stays). With
   * `audit`, the change and its audit entry commit together or not at all. Concurrent upserts of one
   * new ruleNo: exactly one reports `created`, the others replace it with `before` set.
   */
  async upsert(rule: RetryRule, audit?: RuleChangeAudit): Promise<RuleChange & { created: boolean }> {
    return withTransaction(this.pool, async (c) => {
      for (;;) {
        const before = await this.lockedRow(c, rule.ruleNo);
        let after: RetryRule | null;
        if (before === null) {
          // DO NOTHING waits for a concurrent inserter of the same ruleNo; then we loop and replace its row.
          const res = await c.query<RetryRuleRow>(
            `INSERT INTO retry_rules (${COLUMNS})
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)
             ON CONFLICT (rule_no) DO NOTHING RETURNING ${COLUMNS}`,
            [rule.ruleNo, ...values(rule)],
          );
          if (!res.rows[0]) continue;
          after = toRule(res.rows[0]);
        } else {
          const res = await c.query<RetryRuleRow>(
            `UPDATE retry_rules SET merchant_id = $2, industry = $3, channels = $4, brands = $5, currencies = $6,
               transaction_types = $7, code_mode = $8, codes = $9, sources = $10, traffic_percent = $11,
               max_retries = $12, max_wait_ms = $13, enabled = $14, valid_from = $15, valid_to = $16,
               updated_at = now()
             WHERE rule_no = $1 RETURNING ${COLUMNS}`,
            [rule.ruleNo, ...values(rule)],
          );
          after = toRule(res.rows[0]!);
        }
        const created = before === null;
        if (audit) {
          await appendAudit(c, {
            actor: audit.actor,
            action: created ? 'retry_rule.create' : 'retry_rule.replace',
            targetType: 'retry_rule',
            targetId: rule.ruleNo,
            reason: audit.reason ?? null,
            before,
            after,
          });
        }
        return { before, after, created };
      }
    });
  }

  /** Every rule, enabled or not, by ruleNo in code-point order (the order matchRule breaks ties in). */
  async list(): Promise<RetryRule[]> {
    const res = await this.pool.query<RetryRuleRow>(
      `SELECT ${COLUMNS} FROM retry_rules ORDER BY rule_no COLLATE "C"`,
    );
    return res.rows.map(toRule);
  }

  /**
   * The enabled rules, for the retry decision. Validity windows are not applied here: the domain's
   * matchRule checks them against the workflow's own clock.
   */
  async listEnabled(): Promise<RetryRule[]> {
    const res = await this.pool.query<RetryRuleRow>(
      `SELECT ${COLUMNS} FROM retry_rules WHERE enabled ORDER BY rule_no COLLATE "C"`,
    );
    return res.rows.map(toRule);
  }

  async get(ruleNo: string): Promise<RetryRule | null> {
    const res = await this.pool.query<RetryRuleRow>(`SELECT ${COLUMNS} FROM retry_rules WHERE rule_no = $1`, [
      ruleNo,
    ]);
    return res.rows[0] ? toRule(res.rows[0]) : null;
  }

  /**
   * Disables the rule. Idempotent: an already disabled rule is answered as it is, with no change and
   * so no second audit entry (`changed` false). null when there is no such rule.
   */
  async disable(
    ruleNo: string,
    audit?: RuleChangeAudit,
  ): Promise<(RuleChange & { changed: boolean }) | null> {
    return withTransaction(this.pool, async (c) => {
      const before = await this.lockedRow(c, ruleNo);
      if (before === null) return null;
      if (!before.enabled) return { before, after: before, changed: false };
      const res = await c.query<RetryRuleRow>(
        `UPDATE retry_rules SET enabled = false, updated_at = now() WHERE rule_no = $1 RETURNING ${COLUMNS}`,
        [ruleNo],
      );
      const after = toRule(res.rows[0]!);
      if (audit) {
        await appendAudit(c, {
          actor: audit.actor,
          action: 'retry_rule.disable',
          targetType: 'retry_rule',
          targetId: ruleNo,
          reason: audit.reason ?? null,
          before,
          after,
        });
      }
      return { before, after, changed: true };
    });
  }

  private async lockedRow(c: PoolClient, ruleNo: string): Promise<RetryRule | null> {
    const res = await c.query<RetryRuleRow>(
      `SELECT ${COLUMNS} FROM retry_rules WHERE rule_no = $1 FOR UPDATE`,
      [ruleNo],
    );
    return res.rows[0] ? toRule(res.rows[0]) : null;
  }
}

import type { Pool, PoolClient } from 'pg';

/** Who acted: an API key's label and role (a Principal fits). */
export interface AuditActor {
  label: string;
  role: string;
}

export interface AuditEntryInput {
  actor: AuditActor;
  /** What was done, `<target type>.<verb>`, e.g. `retry_rule.create`. */
  action: string;
  targetType: string;
  targetId: string;
  reason?: string | null;
  /** The object before and after the change (null when it did not exist / no longer exists). */
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: AuditActor;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  before: unknown;
  after: unknown;
}

interface AuditRow {
  id: number;
  at: Date;
  actor_label: string;
  actor_role: string;
  action: string;
  target_type: string;
  target_id: string;
  reason: string | null;
  before: unknown;
  after: unknown;
}

const COLUMNS = 'id, at, actor_label, actor_role, action, target_type, target_id, reason, before, after';

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { label: r.actor_label, role: r.actor_role },
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    reason: r.reason,
    before: r.before ?? null,
    after: r.after ?? null,
  };
}

/** JSON for a jsonb parameter: pg would send a JS array as a PostgreSQL array, so always stringify. */
const jsonb = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends one entry. Pass the transaction's client so the entry commits (or rolls back) with the
 * change it describes; a pool works too for a change that is its own transaction.
 */
export async function appendAudit(db: PoolClient | Pool, entry: AuditEntryInput): Promise<AuditEntry> {
  const res = await db.query<AuditRow>(
    `INSERT INTO audit_log (actor_label, actor_role, action, target_type, target_id, reason, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) RETURNING ${COLUMNS}`,
    [
      entry.actor.label,
      entry.actor.role,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.reason ?? null,
      jsonb(entry.before),
      jsonb(entry.after),
    ],
  );
  return toEntry(res.rows[0]!);
}

export interface AuditFilter {
  targetType?: string;
  targetId?: string;
}

/** Reads the audit log (contract section 6); the table refuses UPDATE, DELETE and TRUNCATE. */
export class AuditLog {
  constructor(private readonly pool: Pool) {}

  /** Newest first. */
  async list(limit: number, offset = 0, filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const res = await this.pool.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log
       WHERE ($3::text IS NULL OR target_type = $3) AND ($4::text IS NULL OR target_id = $4)
       ORDER BY id DESC LIMIT $1 OFFSET $2`,
      [limit, offset, filter.targetType ?? null, filter.targetId ?? null],
    );
    return res.rows.map(toEntry);
  }
}

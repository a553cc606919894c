import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

export type Role = 'MERCHANT' | 'OPERATOR' | 'ADMIN';

export interface Principal {
  role: Role;
  /** Set for merchant keys only: the merchant whose objects the key may see. */
  merchantId: string | null;
  label: string;
}

export interface Merchant {
  id: string;
  name: string;
  industry: string;
  notifySecret: string;
  channels: string[];
}

/** API keys are never stored: only their SHA-256, so a database leak does not leak keys. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class MerchantRepository {
  constructor(private readonly pool: Pool) {}

  async authenticate(apiKey: string): Promise<Principal | null> {
    const res = await this.pool.query<{ role: Role; merchant_id: string | null; label: string }>(
      'SELECT role, merchant_id, label FROM api_keys WHERE key_hash = $1',
      [hashApiKey(apiKey)],
    );
    const row = res.rows[0];
    return row ? { role: row.role, merchantId: row.merchant_id, label: row.label } : null;
  }

  async findMerchant(id: string): Promise<Merchant | null> {
    const res = await this.pool.query<{
      id: string;
      name: string;
      industry: string;
      notify_secret: string;
      channels: string[];
    }>('SELECT id, name, industry, notify_secret, channels FROM merchants WHERE id = $1', [id]);
    const r = res.rows[0];
    return r
      ? { id: r.id, name: r.name, industry: r.industry, notifySecret: r.notify_secret, channels: r.channels }
      : null;
  }

  /** Creates or updates a merchant (used by seeding and tests). */
  async upsertMerchant(m: Merchant): Promise<void> {
    await this.pool.query(
      `INSERT INTO merchants (id, name, industry, notify_secret, channels) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (id) DO UPDATE SET name = $2, industry = $3, notify_secret = $4, channels = $5`,
      [m.id, m.name, m.industry, m.notifySecret, m.channels],
    );
  }

  async upsertApiKey(apiKey: string, role: Role, merchantId: string | null, label: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO api_keys (key_hash, role, merchant_id, label) VALUES ($1,$2,$3,$4)
       ON CONFLICT (key_hash) DO UPDATE SET role = $2, merchant_id = $3, label = $4`,
      [hashApiKey(apiKey), role, merchantId, label],
    );
  }
}

-- Retry rules (contract section 7): which failed bank-card attempts are paid again, where and how often.
-- Never deleted: DELETE on the API disables a rule, so the audit log's before/after always name a real row.
CREATE TABLE retry_rules (
  rule_no           text PRIMARY KEY CHECK (rule_no ~ '^[A-Za-z0-9_-]{1,32}$'),
  -- A merchant's own rule wins over its industry's rule; a rule names at least one of them.
  merchant_id       text,
  industry          text,
  -- Empty list = any value.
  channels          text[] NOT NULL DEFAULT '{}',
  brands            text[] NOT NULL DEFAULT '{}',
  currencies        text[] NOT NULL DEFAULT '{}',
  transaction_types text[] NOT NULL DEFAULT '{}',
  code_mode         text NOT NULL CHECK (code_mode IN ('WHITELIST', 'BLACKLIST')),
  codes             text[] NOT NULL CHECK (cardinality(codes) >= 1),
  sources           text[] NOT NULL DEFAULT '{}',
  traffic_percent   int NOT NULL CHECK (traffic_percent BETWEEN 0 AND 100),
  max_retries       int NOT NULL CHECK (max_retries BETWEEN 0 AND 10),
  max_wait_ms       int NOT NULL CHECK (max_wait_ms BETWEEN 0 AND 3600000),
  enabled           boolean NOT NULL DEFAULT true,
  -- Open ends are NULL.
  valid_from        timestamptz,
  valid_to          timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (merchant_id IS NOT NULL OR industry IS NOT NULL),
  CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to)
);

-- Who did what to which object, when, why, and the object before and after. Append-only.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  actor_label text NOT NULL,
  actor_role  text NOT NULL,
  action      text NOT NULL,
  target_type text NOT NULL,
  target_id   text NOT NULL,
  reason      text,
  before      jsonb,
  after       jsonb,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, id);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

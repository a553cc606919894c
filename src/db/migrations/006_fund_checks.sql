-- Fund-safety checks (issue 9 item 5): every run, on demand or after a reconciliation, and what it found.
CREATE TABLE fund_check_runs (
  id          text PRIMARY KEY CHECK (id ~ '^fc_[0-9a-f]{32}$'),
  checked_at  timestamptz NOT NULL,
  reason      text NOT NULL,
  -- The API key's label (and role) that asked, or the process that ran it (cli, reconciliation).
  who         text NOT NULL,
  -- Per check: [{ check, checked, findings }], in the order the checks run.
  tallies     jsonb NOT NULL,
  -- When the run was stored (checked_at may be a chosen instant): the latest run is the newest stored one.
  stored_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX fund_check_runs_stored_at_idx ON fund_check_runs (stored_at DESC, id DESC);

CREATE TABLE fund_check_findings (
  id         bigserial PRIMARY KEY,
  run_id     text NOT NULL REFERENCES fund_check_runs(id),
  check_name text NOT NULL,
  payment_id text,
  refund_id  text,
  detail     text NOT NULL
);
CREATE INDEX fund_check_findings_run_idx ON fund_check_findings (run_id, id);

-- A run is evidence: never rewritten.
CREATE TRIGGER fund_check_runs_append_only BEFORE UPDATE OR DELETE ON fund_check_runs
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER fund_check_findings_append_only BEFORE UPDATE OR DELETE ON fund_check_findings
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

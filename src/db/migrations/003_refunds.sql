-- Refunds (contract section 5). Each refund is its own workflow (refund-<paymentId>-<outRefundNo>); this is
-- its record, written with compare-and-set on status.

-- Amount held by the payment's MERCHANT refunds that are PROCESSING or SUCCEEDED. It is raised in the same
-- transaction that records a refund (payment row locked FOR UPDATE), lowered in the one that records a
-- refund FAILED. refunded_amount (already there) is what SUCCEEDED merchant refunds returned, so
-- 0 <= refunded_amount <= refund_reserved <= amount always: the database itself refuses an over-refund.
-- Automatic refunds of late or duplicate money touch neither: that money is outside the captured amount.
ALTER TABLE payments ADD COLUMN refund_reserved bigint NOT NULL DEFAULT 0;
ALTER TABLE payments ADD CONSTRAINT payments_refund_bounds
  CHECK (refunded_amount >= 0 AND refunded_amount <= refund_reserved AND refund_reserved <= amount);

CREATE TABLE refunds (
  id                   text PRIMARY KEY CHECK (id ~ '^ref_[0-9a-f]{32}$'),
  payment_id           text NOT NULL REFERENCES payments(id),
  -- The attempt whose channel trade is refunded: the succeeded one, or the late/duplicate one.
  attempt_no           int NOT NULL,
  kind                 text NOT NULL CHECK (kind IN ('MERCHANT', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT')),
  -- The merchant's refund number; automatic refunds use auto-<attemptNo>.
  out_refund_no        text NOT NULL,
  amount               bigint NOT NULL CHECK (amount >= 1 AND amount <= 100000000000),
  currency             char(3) NOT NULL,
  reason               text,
  status               text NOT NULL CHECK (status IN ('PROCESSING', 'SUCCEEDED', 'FAILED')),
  code                 text,
  message              text,
  channel              text NOT NULL,
  channel_out_trade_no text NOT NULL,
  -- Our refund number at the channel: every call for this refund (retries, operator retry) carries it,
  -- so the channel pays out at most once for it.
  out_request_no       text NOT NULL,
  workflow_id          text NOT NULL,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  succeeded_at         timestamptz,
  UNIQUE (payment_id, out_refund_no),
  UNIQUE (channel, out_request_no),
  FOREIGN KEY (payment_id, attempt_no) REFERENCES payment_attempts (payment_id, attempt_no),
  CHECK ((status = 'SUCCEEDED') = (succeeded_at IS NOT NULL))
);
-- Operators look for FAILED refunds and PROCESSING ones that take too long.
CREATE INDEX refunds_unsettled_idx ON refunds (status, updated_at) WHERE status <> 'SUCCEEDED';

-- Append-only history of every refund status change.
CREATE TABLE refund_status_history (
  id          bigserial PRIMARY KEY,
  refund_id   text NOT NULL REFERENCES refunds(id),
  from_status text,
  to_status   text NOT NULL,
  reason      text,
  code        text,
  message     text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refund_status_history_refund_idx ON refund_status_history (refund_id, id);
CREATE TRIGGER refund_status_history_append_only BEFORE UPDATE OR DELETE ON refund_status_history
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER refund_status_history_no_truncate BEFORE TRUNCATE ON refund_status_history
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

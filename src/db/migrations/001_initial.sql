-- Merchants and their API keys. Keys are stored only as SHA-256 hashes.
CREATE TABLE merchants (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  industry      text NOT NULL,
  notify_secret text NOT NULL,
  -- Ordered channel accounts a payment of this merchant is routed to.
  channels      text[] NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  key_hash    text PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('MERCHANT', 'OPERATOR', 'ADMIN')),
  merchant_id text REFERENCES merchants(id),
  label       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'MERCHANT') = (merchant_id IS NOT NULL))
);

CREATE TABLE payments (
  id               text PRIMARY KEY,
  merchant_id      text NOT NULL REFERENCES merchants(id),
  out_trade_no     text NOT NULL,
  amount           bigint NOT NULL CHECK (amount >= 0 AND amount <= 100000000000),
  currency         char(3) NOT NULL,
  subject          text NOT NULL,
  status           text NOT NULL CHECK (status IN ('CREATED','PROCESSING','UNKNOWN','AWAITING_RETRY','SUCCEEDED','FAILED','CLOSED')),
  close_reason     text CHECK (close_reason IN ('EXPIRED','MERCHANT_CLOSED','OPERATOR_CANCELLED')),
  order_deadline   timestamptz NOT NULL,
  order_created_at timestamptz,
  expires_at       timestamptz NOT NULL,
  method           jsonb,
  channel          text,
  transaction_type text NOT NULL,
  source           text NOT NULL,
  notify_url       text,
  metadata         jsonb NOT NULL DEFAULT '{}',
  next_action      jsonb,
  refunded_amount  bigint NOT NULL DEFAULT 0,
  workflow_id      text NOT NULL,
  paid_at          timestamptz,
  closed_at        timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  -- One payment number per order: the backstop behind the workflow id.
  UNIQUE (merchant_id, out_trade_no),
  CHECK (expires_at = order_deadline)
);
CREATE INDEX payments_status_idx ON payments (status);

CREATE TABLE payment_attempts (
  payment_id          text NOT NULL REFERENCES payments(id),
  attempt_no          int NOT NULL CHECK (attempt_no >= 1),
  channel             text NOT NULL,
  -- Our trade number at the channel (<paymentId>-<attemptNo>): every call of one attempt carries it.
  channel_out_trade_no text NOT NULL UNIQUE,
  channel_trade_no    text,
  status              text NOT NULL CHECK (status IN ('PROCESSING','UNKNOWN','SUCCEEDED','FAILED','CLOSED','REVERSED')),
  code                text,
  message             text,
  method              jsonb,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (payment_id, attempt_no),
  UNIQUE (channel, channel_trade_no)
);

-- Inbox: every channel notification received, raw, with its verification result.
CREATE TABLE channel_notifications (
  id               bigserial PRIMARY KEY,
  channel          text NOT NULL,
  notify_id        text,
  raw              jsonb NOT NULL,
  verified         boolean NOT NULL,
  rejection_reason text,
  out_trade_no     text,
  trade_status     text,
  payment_id       text,
  received_at      timestamptz NOT NULL DEFAULT now()
);
-- Unique per channel notify id among accepted ones; a forged copy of a real id is still recorded as rejected.
CREATE UNIQUE INDEX channel_notifications_notify_id_uq ON channel_notifications (channel, notify_id) WHERE verified;

-- Append-only history of every status change of payments and attempts.
CREATE TABLE payment_status_history (
  id          bigserial PRIMARY KEY,
  payment_id  text NOT NULL REFERENCES payments(id),
  attempt_no  int,
  from_status text,
  to_status   text NOT NULL,
  reason      text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_status_history_payment_idx ON payment_status_history (payment_id, id);

-- Money that came in for a payment that must not keep it: refunded by the refunds capability.
CREATE TABLE late_payments (
  id               bigserial PRIMARY KEY,
  payment_id       text NOT NULL REFERENCES payments(id),
  attempt_no       int NOT NULL,
  channel          text NOT NULL,
  channel_trade_no text,
  amount           bigint NOT NULL,
  reason           text NOT NULL CHECK (reason IN ('LATE_PAYMENT', 'DUPLICATE_PAYMENT')),
  detected_at      timestamptz NOT NULL DEFAULT now(),
  refund_status    text NOT NULL DEFAULT 'PENDING',
  UNIQUE (payment_id, attempt_no)
);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER payment_status_history_append_only BEFORE UPDATE OR DELETE ON payment_status_history
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER channel_notifications_append_only BEFORE UPDATE OR DELETE ON channel_notifications
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

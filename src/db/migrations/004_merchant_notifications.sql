-- Merchant notifications (contract section 5): an outbox written in the same transaction as the status
-- change that causes the event, then delivered by one workflow per event (notify-<id>).
CREATE TABLE merchant_notifications (
  id               text PRIMARY KEY CHECK (id ~ '^evt_[0-9a-f]{32}$'),
  merchant_id      text NOT NULL REFERENCES merchants(id),
  payment_id       text NOT NULL REFERENCES payments(id),
  -- Set for refund.* events only (no foreign key: refunds live in their own migration).
  refund_id        text,
  type             text NOT NULL CHECK (type IN ('payment.succeeded', 'payment.failed', 'payment.closed',
                                                 'refund.succeeded', 'refund.failed')),
  -- The event as delivered, { id, type, createdAt, data }, frozen at insert: `body` holds the exact bytes
  -- POSTed (and signed), `payload` the same JSON for queries.
  payload          jsonb NOT NULL,
  body             text NOT NULL,
  -- Copied from the payment at insert; a payment without a notifyUrl gets no events.
  notify_url       text NOT NULL,
  status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
  -- Tries so far, over every delivery run (the first and each resend).
  attempts         int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error       text,
  last_status_code int,
  -- The delivery run's workflow has been started (the sweeper starts any that a crash left behind).
  workflow_started boolean NOT NULL DEFAULT false,
  -- 0 = first delivery (workflow notify-<id>); n = the n-th resend (notify-<id>-resend-<n>).
  resend_count     int NOT NULL DEFAULT 0 CHECK (resend_count >= 0),
  -- The task queue of the worker that wrote the event: its sweeper starts the delivery (others only after
  -- a while, in case that queue has no worker any more). NULL: any sweeper.
  task_queue       text,
  -- When the current delivery run was asked for (insert or resend).
  pending_since    timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  delivered_at     timestamptz,
  dead_at          timestamptz,
  CHECK ((type LIKE 'refund.%') = (refund_id IS NOT NULL)),
  CHECK (body::jsonb = payload),
  CHECK (payload ->> 'id' = id AND payload ->> 'type' = type),
  CHECK ((status = 'DELIVERED') = (delivered_at IS NOT NULL)),
  CHECK ((status = 'DEAD') = (dead_at IS NOT NULL))
);
-- One event per (payment, type) and per (refund, type): a retried transaction never makes two.
CREATE UNIQUE INDEX merchant_notifications_payment_type_uq ON merchant_notifications (payment_id, type)
  WHERE refund_id IS NULL;
CREATE UNIQUE INDEX merchant_notifications_refund_type_uq ON merchant_notifications (refund_id, type)
  WHERE refund_id IS NOT NULL;
CREATE INDEX merchant_notifications_unstarted_idx ON merchant_notifications (pending_since)
  WHERE status = 'PENDING' AND NOT workflow_started;
CREATE INDEX merchant_notifications_payment_idx ON merchant_notifications (payment_id, created_at);
CREATE INDEX merchant_notifications_dead_idx ON merchant_notifications (dead_at) WHERE status = 'DEAD';

-- The event itself never changes once written (the same id is never two different events), nor is it deleted.
CREATE FUNCTION merchant_notifications_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'merchant_notifications rows are never deleted';
  END IF;
  IF NEW.id <> OLD.id OR NEW.merchant_id <> OLD.merchant_id OR NEW.payment_id <> OLD.payment_id
     OR NEW.refund_id IS DISTINCT FROM OLD.refund_id OR NEW.type <> OLD.type OR NEW.payload <> OLD.payload
     OR NEW.body <> OLD.body OR NEW.notify_url <> OLD.notify_url OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'merchant notification % is frozen: only its delivery state may change', OLD.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER merchant_notifications_frozen BEFORE UPDATE OR DELETE ON merchant_notifications
  FOR EACH ROW EXECUTE FUNCTION merchant_notifications_frozen();

-- Every try, append-only: when, where, what came back (HTTP status or error) and how long it took.
CREATE TABLE merchant_notification_attempts (
  id              bigserial PRIMARY KEY,
  notification_id text NOT NULL REFERENCES merchant_notifications(id),
  -- The delivery run (resend_count at the time) and the try's number within it.
  run_no          int NOT NULL CHECK (run_no >= 0),
  attempt_no      int NOT NULL CHECK (attempt_no >= 1),
  at              timestamptz NOT NULL,
  notify_url      text NOT NULL,
  http_status     int,
  error           text,
  duration_ms     int NOT NULL CHECK (duration_ms >= 0),
  delivered       boolean NOT NULL,
  CHECK (http_status IS NOT NULL OR error IS NOT NULL),
  -- A try retried by Temporal after it was recorded is not recorded (nor sent) twice.
  UNIQUE (notification_id, run_no, attempt_no)
);
CREATE TRIGGER merchant_notification_attempts_append_only BEFORE UPDATE OR DELETE ON merchant_notification_attempts
  FOR EACH ROW EXECUTE FUNCTION refuse_change();

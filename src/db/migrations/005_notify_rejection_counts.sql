-- Rejected channel notifications, grouped: the endpoint is unauthenticated, so a flood of forged
-- notifies must not grow the inbox (or the operators' exception list) without bound. Each group
-- (channel, reason, claimed payment) counts every rejection; only the first ones keep their raw row.
CREATE TABLE channel_notification_rejections (
  channel     text NOT NULL,
  reason      text NOT NULL,
  payment_key text NOT NULL, -- the claimed payment's id, '' when none
  count       bigint NOT NULL,
  first_at    timestamptz NOT NULL DEFAULT now(),
  last_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, reason, payment_key)
);
CREATE INDEX channel_notification_rejections_last_idx ON channel_notification_rejections (last_at);

INSERT INTO channel_notification_rejections (channel, reason, payment_key, count, first_at, last_at)
SELECT channel, coalesce(rejection_reason, '?'), coalesce(payment_id, ''), count(*), min(received_at), max(received_at)
  FROM channel_notifications WHERE NOT verified
 GROUP BY channel, coalesce(rejection_reason, '?'), coalesce(payment_id, '');

-- Reconciliation against the channel's daily bill (contract section 8). One run per (channel, bill day),
-- plus explicit reruns; each run streams the bill into its own UNLOGGED staging table, matches it in SQL,
-- and writes its differences here. Repairs are keyed by what they repair, not by run, so a rerun never
-- repeats one.
CREATE TABLE reconciliation_runs (
  id           text PRIMARY KEY CHECK (id ~ '^rec_[0-9a-f]{32}$'),
  -- recon-<channel>-<billDate>[-rerun-<n>]: the run's Temporal workflow; a run is created once per id.
  workflow_id  text NOT NULL UNIQUE,
  channel      text NOT NULL,
  bill_date    date NOT NULL,
  status       text NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED')),
  rows_read    bigint NOT NULL DEFAULT 0,
  -- { channelRows, localRows, matched, differences } once matched.
  summary      jsonb,
  reason       text,
  rerun_of     text REFERENCES reconciliation_runs(id),
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX reconciliation_runs_day_idx ON reconciliation_runs (channel, bill_date, started_at);

-- The shape of a run's staging table: each run creates `recon_stage_<run hex>` LIKE this one (UNLOGGED, no
-- index: COPY goes at full speed, and a crash only loses what the run reloads anyway), and drops it at the end.
CREATE UNLOGGED TABLE reconciliation_staging_template (
  kind             text NOT NULL,
  channel_trade_no text NOT NULL,
  out_trade_no     text NOT NULL,
  out_refund_no    text,
  amount           bigint NOT NULL,
  currency         text NOT NULL,
  finished_at      timestamptz NOT NULL
);

CREATE TABLE reconciliation_differences (
  id                   bigserial PRIMARY KEY,
  run_id               text NOT NULL REFERENCES reconciliation_runs(id),
  -- What differs, independent of the run (e.g. CHANNEL_ONLY:pay:sandbox:2026…): the same finding in a
  -- rerun has the same key, and its repair (reconciliation_repairs) is looked up by repair_key.
  difference_key       text NOT NULL,
  repair_key           text,
  type                 text NOT NULL CHECK (type IN ('LOCAL_ONLY', 'CHANNEL_ONLY', 'AMOUNT_MISMATCH',
                                                     'STATUS_MISMATCH', 'DUPLICATE_PAYMENT')),
  payment_id           text,
  refund_id            text,
  channel_trade_no     text,
  channel_out_trade_no text,
  out_refund_no        text,
  local_amount         bigint,
  channel_amount       bigint,
  currency             text,
  -- When the channel says the money moved (bill rows), for the notice a repair delivers.
  channel_finished_at  timestamptz,
  repair_action        text NOT NULL DEFAULT 'NONE' CHECK (repair_action IN ('DELIVER_NOTICE', 'REFUND_ORPHAN', 'NONE')),
  resolution           text NOT NULL DEFAULT 'OPEN' CHECK (resolution IN ('AUTO_FIXED', 'AUTO_REFUNDED', 'OPEN')),
  detail               text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, difference_key)
);
CREATE INDEX reconciliation_differences_open_idx ON reconciliation_differences (created_at) WHERE resolution = 'OPEN';

-- One row per repair ever started, by what it repairs: a rerun (or a resumed run) finds it and never
-- repeats the action. out_request_no is the channel refund number of an orphan refund.
CREATE TABLE reconciliation_repairs (
  repair_key     text PRIMARY KEY,
  run_id         text NOT NULL REFERENCES reconciliation_runs(id),
  action         text NOT NULL CHECK (action IN ('DELIVER_NOTICE', 'REFUND_ORPHAN')),
  channel        text NOT NULL,
  out_request_no text UNIQUE,
  resolution     text CHECK (resolution IN ('AUTO_FIXED', 'AUTO_REFUNDED', 'OPEN')),
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);

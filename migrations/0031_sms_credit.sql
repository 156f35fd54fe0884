-- Each SMS provider's credit as it last reported it, for /metrics and the low-credit alert.
CREATE TABLE sms_credit (
    provider    TEXT PRIMARY KEY,
    credit      DOUBLE PRECISION NOT NULL,
    checked_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

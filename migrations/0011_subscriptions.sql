-- What each applicant chose to hear about each service's maintenance, outages and broadcasts:
-- nothing, chat, or chat and SMS. Without a row, applicants hear by chat about the services
-- they made a request for.
CREATE TABLE subscriptions (
    applicant_id  BIGINT NOT NULL REFERENCES applicants (id),
    service_id    TEXT NOT NULL,
    channels      TEXT NOT NULL CHECK (channels IN ('none', 'chat', 'chat-sms')),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (applicant_id, service_id)
);
CREATE INDEX subscriptions_by_service ON subscriptions (service_id, channels);

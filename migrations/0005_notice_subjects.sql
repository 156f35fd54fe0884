-- What a notice is about ('request:12', 'complaint:3', 'broadcast:7'), in the form the audit log
-- uses, so staff can list a request's notices and a broadcast's progress without parsing keys.
ALTER TABLE notifications ADD COLUMN subject TEXT;

-- Notices queued before this column existed: stage notices are keyed by their request event.
UPDATE notifications n SET subject = 'request:' || e.request_id
FROM request_events e
WHERE n.subject IS NULL AND n.dedup_key LIKE 'request-event:%'
  AND e.id = split_part(n.dedup_key, ':', 2)::bigint;
UPDATE notifications SET subject = 'complaint:' || split_part(dedup_key, ':', 2)
WHERE subject IS NULL AND dedup_key LIKE 'complaint:%:answer:%';

CREATE INDEX notifications_by_subject ON notifications (subject, status) WHERE subject IS NOT NULL;

-- Figures above a thousand come from the planner's estimates (see `store::counts`). Service and
-- stage, and a notice's status and channel, go together: without statistics on the pairs the
-- planner multiplies their separate frequencies and misjudges a pair's rows.
CREATE STATISTICS requests_service_stage (mcv) ON service_id, stage FROM requests;
CREATE STATISTICS notifications_status_channel (mcv) ON status, channel FROM notifications;

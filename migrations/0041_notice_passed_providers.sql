-- Every gateway that already had its chance at a notice, in the order they had it, where one
-- column named only the last: a kind's cascade may name three or more gateways, and a notice
-- goes on through those it has not yet been through.
ALTER TABLE notifications ADD COLUMN passed_providers TEXT[];
UPDATE notifications SET passed_providers = ARRAY[passed_provider] WHERE passed_provider IS NOT NULL;
ALTER TABLE notifications DROP COLUMN passed_provider;

-- A chat claim joined each due notice to its applicant to test the platform. On a table whose
-- applicants had not been analysed yet (a burst of new applicants, then a broadcast) the planner
-- hashed every applicant and sorted every pending notice instead of walking the due index:
-- 98 ms per claim of 1,000 out of 100,000 queued, 8 ms with the walk. The platform is now kept
-- on the notice itself (an applicant's platform never changes: it is half of their identity),
-- so the claim reads one table in index order whatever the statistics say.
ALTER TABLE notifications ADD COLUMN platform TEXT;

-- Only what can still be claimed needs it; a sent notice is never claimed again, and writing
-- every row of a table of millions would hold up the upgrade for nothing.
UPDATE notifications n SET platform = a.platform
FROM applicants a
WHERE a.id = n.applicant_id AND n.channel = 'chat' AND n.status = 'pending';

-- Every new chat notice to an applicant names its platform, or it would never be claimed.
-- NOT VALID: rows already sent keep their NULL.
ALTER TABLE notifications ADD CONSTRAINT notifications_chat_platform
    CHECK (channel <> 'chat' OR recipient <> 'applicant' OR platform IS NOT NULL) NOT VALID;

-- A claim writes a new version of every row it takes (lease, attempt), and takes every row of
-- a page at once, since they were queued together. At fillfactor 70 a page had room for the
-- new versions of fewer than half its rows; the rest left the page and were written into all
-- ten indexes (22% of claims were HOT). At 50 every claim stays on its page (100% HOT in the
-- same run) and a claim of 1,000 took 10 ms instead of 21. A queued broadcast takes 40% more
-- pages; the enqueue measured the same (three runs of 100,000 rows each way). New pages only: the pages
-- already written keep their room until they are reused.
ALTER TABLE notifications SET (fillfactor = 50);

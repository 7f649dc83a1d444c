-- ocrloom's shared job store, version 1. Times are Unix seconds from the
-- nodes' clocks; leases use the database's clock.
CREATE TABLE users (
    seq        BIGSERIAL UNIQUE,
    user_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
    seq        BIGSERIAL UNIQUE,
    key_hash   BYTEA PRIMARY KEY,          -- SHA-256 of the key; the key itself is never stored
    user_id    TEXT NOT NULL REFERENCES users(user_id),
    created_at BIGINT NOT NULL
);
CREATE TABLE files (
    seq          BIGSERIAL PRIMARY KEY,
    file_id      TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,
    filename     TEXT NOT NULL,
    size         BIGINT NOT NULL,
    kind         TEXT NOT NULL,           -- upload | chunked | output
    content_type TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX files_by_user ON files(user_id, seq);
CREATE INDEX files_by_expiry ON files(expires_at);
CREATE TABLE jobs (
    seq              BIGSERIAL PRIMARY KEY,
    job_id           TEXT NOT NULL UNIQUE,
    user_id          TEXT NOT NULL,
    file_id          TEXT NOT NULL,
    engine           TEXT NOT NULL,
    output_format    TEXT NOT NULL,
    languages        TEXT NOT NULL,       -- JSON array of codes
    input_format     TEXT NOT NULL,
    status           TEXT NOT NULL,
    progress         INTEGER NOT NULL,
    input_pages      BIGINT NOT NULL,
    output_file_id   TEXT,
    error_code       TEXT,
    error_message    TEXT,
    error_request_id TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    completed_at     BIGINT,
    expires_at       BIGINT,
    attempt          INTEGER NOT NULL DEFAULT 0, -- claims so far; a result counts only with the latest
    lease_until      DOUBLE PRECISION          -- a processing job's worker renews it; past it, the job is requeued
);
CREATE INDEX jobs_by_user ON jobs(user_id, seq);
CREATE INDEX jobs_queued ON jobs(seq) WHERE status = 'queued';
CREATE INDEX jobs_leased ON jobs(lease_until) WHERE status = 'processing';
CREATE INDEX jobs_by_expiry ON jobs(expires_at);
CREATE INDEX jobs_by_file ON jobs(file_id);
-- Round-robin between users across every node: the user served longest
-- ago (or never) goes first.
CREATE SEQUENCE turns;
CREATE TABLE user_turns (
    user_id   TEXT PRIMARY KEY,
    last_turn BIGINT NOT NULL
);

-- Fathom's store. A job's conversation lives in its events (model.completed and tool.completed
-- carry the content); the rounds table holds per-round costs. Nothing is rewritten per round
-- except the job's counters, so storage grows with what a round adds.

CREATE TABLE jobs (
    id                uuid        PRIMARY KEY,
    tenant            text        NOT NULL,
    status            text        NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    spec              jsonb       NOT NULL,
    tool_defs         jsonb       NOT NULL DEFAULT '[]',
    idempotency_key   text,
    rounds            integer     NOT NULL DEFAULT 0,
    answer            text,
    error_code        text,
    error_message     text,
    prompt_tokens     bigint      NOT NULL DEFAULT 0,
    completion_tokens bigint      NOT NULL DEFAULT 0,
    last_seq          bigint      NOT NULL DEFAULT 0,
    lease_owner       text,
    lease_expires_at  timestamptz,
    cancel_requested  boolean     NOT NULL DEFAULT false,
    deadline_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at        timestamptz,
    finished_at       timestamptz,
    CONSTRAINT jobs_idempotency UNIQUE (tenant, idempotency_key)
);

-- Claiming scans only unfinished jobs.
CREATE INDEX jobs_runnable ON jobs (created_at) WHERE status IN ('queued', 'running');
-- Listing: newest first per tenant, cursor on (created_at, id).
CREATE INDEX jobs_tenant_created ON jobs (tenant, created_at DESC, id DESC);

CREATE TABLE events (
    job_id     uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    type       text        NOT NULL,
    data       jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (job_id, seq)
);


CREATE TABLE functions (
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    description text        NOT NULL,
    parameters  jsonb       NOT NULL,
    url         text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant, name)
);

-- One row per finished round: what it cost. The content is in the round's events.
CREATE TABLE rounds (
    job_id            uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    round             integer     NOT NULL,
    prompt_tokens     bigint      NOT NULL,
    completion_tokens bigint      NOT NULL,
    tool_calls        integer     NOT NULL,
    model_ms          bigint      NOT NULL,
    tools_ms          bigint      NOT NULL,
    finished_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (job_id, round)
);

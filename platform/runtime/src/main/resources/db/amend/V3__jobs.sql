-- Edit jobs accepted by any replica, readable from every replica. A job's row becomes 'succeeded' in the transaction
-- that appends its edit to amend_journal (the edit's info names the job as job_id), so a job is never both lost and
-- applied, nor applied twice. Each replica holds a session advisory lock on its own key while it runs; a replica that
-- takes another's lock knows that one stopped and marks its queued and running jobs 'failed'.

CREATE TABLE amend_jobs (
    id              text        PRIMARY KEY,
    model           text        NOT NULL,
    method          text        NOT NULL,
    replica         text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    idempotency_key text,
    fingerprint     text,
    edit_id         text,
    error           text,
    error_kind      text,
    -- a cancel asked through another replica; the running replica looks at it about once a second
    cancel_requested boolean    NOT NULL DEFAULT false,
    created         timestamptz NOT NULL DEFAULT now(),
    started         timestamptz,
    finished        timestamptz
);

CREATE INDEX amend_jobs_open ON amend_jobs (replica) WHERE state IN ('queued', 'running');

-- one live job per idempotency key and model: a retry through any replica finds it
CREATE UNIQUE INDEX amend_jobs_key ON amend_jobs (model, idempotency_key)
    WHERE idempotency_key IS NOT NULL AND state IN ('queued', 'running', 'succeeded');

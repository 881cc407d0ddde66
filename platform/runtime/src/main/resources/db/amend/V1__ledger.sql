-- The shared edit ledger: one ledger per model name, its journal records and its edits' deltas.
-- A record is the JSON object a file ledger writes as one journal line (docs/ledger.md), kept as text so every
-- replica reads back exactly the bytes that were written; deltas are safetensors bytes, as the files of a file ledger.

CREATE TABLE amend_ledger (
    model     text        PRIMARY KEY,
    base_hash text        NOT NULL,
    header    text        NOT NULL,
    created   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE amend_journal (
    model   text        NOT NULL REFERENCES amend_ledger (model),
    seq     bigint      NOT NULL CHECK (seq > 0),
    type    text        NOT NULL CHECK (type IN ('edit', 'rollback')),
    record  text        NOT NULL,
    written timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, seq)
);

CREATE TABLE amend_deltas (
    model text  NOT NULL REFERENCES amend_ledger (model),
    file  text  NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (model, file)
);

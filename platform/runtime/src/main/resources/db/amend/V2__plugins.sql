-- Plugin jars uploaded through any replica's API, shared by all replicas: each writes the jars it lacks into its own
-- plugins directory, where they are checked and hot-loaded as a jar dropped there would be.

CREATE TABLE amend_plugins (
    file     text        PRIMARY KEY,
    bytes    bytea       NOT NULL,
    sha256   text        NOT NULL,
    uploaded timestamptz NOT NULL DEFAULT now()
);

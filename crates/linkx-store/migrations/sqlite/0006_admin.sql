-- The operator's desk: accounts and their sessions, failed logins (rate limiting and lockout),
-- the audit log, runtime site settings, paused sources and the job queue through which the
-- web process asks the job runner for outbound work (feed discovery, "poll now").

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    role                TEXT    NOT NULL,
    -- argon2id, PHC string format.
    password_hash       TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    password_changed_at BIGINT  NOT NULL
);

-- Only a keyed hash of the cookie's token is stored: a copy of the database logs nobody in.
CREATE TABLE admin_sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX admin_sessions_by_user ON admin_sessions (user_id);

CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    user_name TEXT    NOT NULL,
    ip_hash   TEXT    NOT NULL,
    at        BIGINT  NOT NULL
);
CREATE INDEX login_failures_by_name ON login_failures (user_name, at);
CREATE INDEX login_failures_by_ip ON login_failures (ip_hash, at);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT  NOT NULL,
    user_name TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    detail    TEXT    NOT NULL
);
CREATE INDEX audit_log_latest ON audit_log (at DESC, id DESC);

CREATE TABLE site_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'queued',
    result      TEXT,
    attempts    BIGINT  NOT NULL DEFAULT 0,
    -- A running job whose lease has expired (its runner died) is claimed again.
    lease_until BIGINT,
    created_by  TEXT,
    created_at  BIGINT  NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs (status, id);

ALTER TABLE sources ADD COLUMN paused_at BIGINT;

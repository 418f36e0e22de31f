-- Sources, articles and the poll history. Times are Unix seconds (UTC) in BIGINT columns,
-- so the same statements run on SQLite and PostgreSQL.

CREATE TABLE sources (
    id                    INTEGER PRIMARY KEY,
    slug                  TEXT    NOT NULL UNIQUE,
    name                  TEXT    NOT NULL,
    feed_url              TEXT    NOT NULL UNIQUE,
    site_url              TEXT,
    display               TEXT    NOT NULL DEFAULT 'excerpt',
    full_text             TEXT    NOT NULL DEFAULT 'auto',
    polled                BIGINT  NOT NULL DEFAULT 1,
    interval_secs         BIGINT,
    current_interval_secs BIGINT,
    etag                  TEXT,
    last_modified         TEXT,
    last_fetch_at         BIGINT,
    last_success_at       BIGINT,
    last_status           BIGINT,
    last_error            TEXT,
    error_count           BIGINT  NOT NULL DEFAULT 0,
    next_check_at         BIGINT  NOT NULL DEFAULT 0,
    disabled_reason       TEXT,
    created_at            BIGINT  NOT NULL
);
CREATE INDEX sources_due ON sources (next_check_at);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    source_id     BIGINT  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    story_id      BIGINT,
    guid          TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    canonical_key TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    slug          TEXT    NOT NULL,
    author        TEXT,
    summary_html  TEXT,
    content_html  TEXT,
    body_text     TEXT    NOT NULL,
    excerpt       TEXT    NOT NULL,
    image_url     TEXT,
    published_at  BIGINT  NOT NULL,
    updated_at    BIGINT,
    fetched_at    BIGINT  NOT NULL,
    UNIQUE (source_id, guid)
);
CREATE UNIQUE INDEX articles_canonical ON articles (canonical_key);
CREATE INDEX articles_latest ON articles (published_at DESC, id DESC);
CREATE INDEX articles_by_source ON articles (source_id, published_at DESC, id DESC);
CREATE INDEX articles_by_story ON articles (story_id);

CREATE TABLE fetch_log (
    id          INTEGER PRIMARY KEY,
    source_id   BIGINT  NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    at          BIGINT  NOT NULL,
    status      BIGINT,
    error       TEXT,
    new_items   BIGINT  NOT NULL DEFAULT 0,
    duration_ms BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX fetch_log_by_source ON fetch_log (source_id, at DESC);

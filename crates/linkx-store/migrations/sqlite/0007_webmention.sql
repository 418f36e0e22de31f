-- Webmention in and out, and the link exchange page.
--
-- A mention is unique by (source, target): a re-sent mention updates it, and one whose source
-- is gone (410) or no longer links is deleted. Mentions go through moderation like comments.

CREATE TABLE mentions (
    id           INTEGER PRIMARY KEY,
    article_id   BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source_url   TEXT    NOT NULL,
    target_url   TEXT    NOT NULL,
    source_host  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    author_name  TEXT,
    author_url   TEXT,
    entry_url    TEXT,
    content      TEXT    NOT NULL,
    published_at BIGINT,
    status       TEXT    NOT NULL,
    received_at  BIGINT  NOT NULL,
    verified_at  BIGINT  NOT NULL,
    UNIQUE (source_url, target_url)
);
CREATE INDEX mentions_by_article ON mentions (article_id, id);
CREATE INDEX mentions_by_status ON mentions (status, id DESC);
CREATE INDEX mentions_by_host ON mentions (source_host, status);

-- Mentions we send: one row per (our page, the page it links to).
CREATE TABLE webmention_sends (
    id              INTEGER PRIMARY KEY,
    source_url      TEXT    NOT NULL,
    target_url      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'queued',
    endpoint        TEXT,
    response_status BIGINT,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         BIGINT,
    UNIQUE (source_url, target_url)
);
CREATE INDEX webmention_sends_due ON webmention_sends (status, next_attempt_at);

-- The operator's blogroll, each partner checked for a link back.
CREATE TABLE partners (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    url             TEXT    NOT NULL UNIQUE,
    links_back      BIGINT,
    last_checked_at BIGINT,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL
);

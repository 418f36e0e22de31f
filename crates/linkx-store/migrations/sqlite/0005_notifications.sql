-- Reply notifications by email. A commenter who ticks "notify me of replies" becomes a
-- subscriber (by their key); the first mail to an unconfirmed address asks them to confirm, and
-- no second mail goes to it unless they do. Notifications are queued here and sent by the
-- job runner, never by a web request.

CREATE TABLE comment_subscribers (
    author_key          TEXT    PRIMARY KEY,
    email               TEXT    NOT NULL,
    confirmed_at        BIGINT,
    unsubscribed_at     BIGINT,
    unconfirmed_sent_at BIGINT
);

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    comment_id      BIGINT  NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    author_key      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'queued',
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         BIGINT,
    UNIQUE (comment_id, author_key)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

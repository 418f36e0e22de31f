//! Reply notifications: subscribers (who asked to hear of replies, and whether they confirmed
//! their address) and the queue the mail job works through.
//!
//! [`NotificationJob`] is the one type that carries an email address out of the store, and only
//! the mail job uses it.

use crate::{Result, Store};
use sqlx::Row;
use sqlx::any::AnyRow;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Records (or renews) a subscription; ticking the box again undoes an earlier unsubscribe but
/// never resets "the one mail to an unconfirmed address was sent".
pub(crate) async fn subscribe(tx: &mut Tx, author_key: &str, email: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO comment_subscribers (author_key, email) VALUES ($1, $2)
         ON CONFLICT (author_key) DO UPDATE SET email = excluded.email, unsubscribed_at = NULL",
    )
    .bind(author_key)
    .bind(email)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues a mail to the parent's author when `comment_id` is an approved reply to an approved
/// comment whose author asked to be notified (and is someone else). Idempotent.
pub(crate) async fn queue_reply_notification(tx: &mut Tx, comment_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (comment_id, author_key)
         SELECT c.id, p.author_key FROM comments c JOIN comments p ON p.id = c.parent_id
         WHERE c.id = $1 AND c.status = 'approved' AND p.status = 'approved' AND p.notify = 1
           AND p.author_key <> c.author_key
         ON CONFLICT DO NOTHING",
    )
    .bind(comment_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a person's subscription and queued mail (erasure).
pub(crate) async fn forget_subscriber(tx: &mut Tx, email: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM notifications WHERE author_key IN
            (SELECT author_key FROM comment_subscribers WHERE LOWER(email) = LOWER($1))",
    )
    .bind(email)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM comment_subscribers WHERE LOWER(email) = LOWER($1)")
        .bind(email)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One queued mail with everything needed to write it.
#[derive(Debug, Clone)]
pub struct NotificationJob {
    pub id: i64,
    pub attempts: i64,
    pub recipient_key: String,
    pub recipient_name: String,
    pub recipient_email: String,
    pub confirmed: bool,
    pub unsubscribed: bool,
    /// The one mail an unconfirmed address may get has gone out already.
    pub unconfirmed_mail_sent: bool,
    /// The reply is still approved (it may have been removed since it was queued).
    pub reply_visible: bool,
    pub reply_id: i64,
    pub reply_author: String,
    pub reply_text: String,
    pub article_id: i64,
    pub article_slug: String,
    pub article_title: String,
}

/// What became of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationOutcome {
    /// Sent; `unconfirmed` when it was the one mail to an unconfirmed address.
    Sent { unconfirmed: bool },
    /// Not sent, for good (unsubscribed, unconfirmed, reply removed).
    Skipped(String),
    /// Failed; try again at `at`.
    Retry { error: String, at: i64 },
    /// Failed for good.
    Failed(String),
}

fn job_from_row(row: &AnyRow) -> Result<NotificationJob> {
    Ok(NotificationJob {
        id: row.try_get("id")?,
        attempts: row.try_get("attempts")?,
        recipient_key: row.try_get("author_key")?,
        recipient_name: row.try_get("recipient_name")?,
        recipient_email: row.try_get("email")?,
        confirmed: row.try_get::<Option<i64>, _>("confirmed_at")?.is_some(),
        unsubscribed: row.try_get::<Option<i64>, _>("unsubscribed_at")?.is_some(),
        unconfirmed_mail_sent: row
            .try_get::<Option<i64>, _>("unconfirmed_sent_at")?
            .is_some(),
        reply_visible: row.try_get::<String, _>("reply_status")? == "approved",
        reply_id: row.try_get("reply_id")?,
        reply_author: row.try_get("reply_author")?,
        reply_text: row.try_get("reply_text")?,
        article_id: row.try_get("article_id")?,
        article_slug: row.try_get("article_slug")?,
        article_title: row.try_get("article_title")?,
    })
}

impl Store {
    /// Queued mails due at `now`, oldest first.
    pub async fn due_notifications(&self, now: i64, limit: i64) -> Result<Vec<NotificationJob>> {
        let rows = sqlx::query(
            "SELECT n.id, n.attempts, n.author_key, s.email, s.confirmed_at, s.unsubscribed_at,
                    s.unconfirmed_sent_at, p.author_name AS recipient_name, c.id AS reply_id,
                    c.status AS reply_status, c.author_name AS reply_author, c.body_md AS reply_text,
                    a.id AS article_id, a.slug AS article_slug, a.title AS article_title
             FROM notifications n
             JOIN comment_subscribers s ON s.author_key = n.author_key
             JOIN comments c ON c.id = n.comment_id
             JOIN comments p ON p.id = c.parent_id
             JOIN articles a ON a.id = c.article_id
             WHERE n.status = 'queued' AND n.next_attempt_at <= $1
             ORDER BY n.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Records what became of a job (and, for the one mail to an unconfirmed address, that it
    /// went out).
    pub async fn finish_notification(
        &self,
        job: &NotificationJob,
        outcome: &NotificationOutcome,
        now: i64,
    ) -> Result<()> {
        let (_writer, mut tx) = self.begin_write().await?;
        let (status, error, next) = match outcome {
            NotificationOutcome::Sent { .. } => ("sent", None, now),
            NotificationOutcome::Skipped(why) => ("skipped", Some(why.as_str()), now),
            NotificationOutcome::Retry { error, at } => ("queued", Some(error.as_str()), *at),
            NotificationOutcome::Failed(error) => ("failed", Some(error.as_str()), now),
        };
        sqlx::query(
            "UPDATE notifications SET status = $2, last_error = $3, next_attempt_at = $4,
                 attempts = attempts + 1, sent_at = CASE WHEN $2 = 'sent' THEN $5 ELSE sent_at END
             WHERE id = $1",
        )
        .bind(job.id)
        .bind(status)
        .bind(error)
        .bind(next)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if *outcome == (NotificationOutcome::Sent { unconfirmed: true }) {
            sqlx::query(
                "UPDATE comment_subscribers SET unconfirmed_sent_at = $2 WHERE author_key = $1",
            )
            .bind(&job.recipient_key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The subscriber confirms their address; false when there is no such subscriber.
    pub async fn confirm_subscriber(&self, author_key: &str, now: i64) -> Result<bool> {
        self.update_subscriber(
            "UPDATE comment_subscribers SET confirmed_at = COALESCE(confirmed_at, $2), unsubscribed_at = NULL
             WHERE author_key = $1",
            author_key,
            now,
        )
        .await
    }

    /// No more reply mail to this subscriber; false when there is no such subscriber.
    pub async fn unsubscribe(&self, author_key: &str, now: i64) -> Result<bool> {
        self.update_subscriber(
            "UPDATE comment_subscribers SET unsubscribed_at = COALESCE(unsubscribed_at, $2) WHERE author_key = $1",
            author_key,
            now,
        )
        .await
    }

    async fn update_subscriber(
        &self,
        sql: &'static str,
        author_key: &str,
        now: i64,
    ) -> Result<bool> {
        let (_writer, mut tx) = self.begin_write().await?;
        let done = sqlx::query(sql)
            .bind(author_key)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Mails by status, for tests and the operator (`sent`, `skipped`, `queued`, `failed`).
    pub async fn notification_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) FROM notifications GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

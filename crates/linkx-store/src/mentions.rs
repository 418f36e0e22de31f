//! Webmentions received (verified, moderated like comments), mentions sent, and the link
//! exchange's partners.

use crate::{Result, Store, unique_violation};
use linkx_core::comment::CommentStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A verified mention, ready to store.
#[derive(Debug, Clone)]
pub struct NewMention {
    pub article_id: i64,
    pub source_url: String,
    pub target_url: String,
    pub source_host: String,
    /// `reply`, `like`, `repost`, `bookmark` or `mention`.
    pub kind: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub entry_url: Option<String>,
    /// Plain text.
    pub content: String,
    pub published_at: Option<i64>,
    /// For a new mention; a re-sent one keeps the moderator's decision.
    pub status: CommentStatus,
    pub now: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MentionView {
    pub id: i64,
    pub article_id: i64,
    pub source_url: String,
    pub target_url: String,
    pub source_host: String,
    pub kind: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub entry_url: Option<String>,
    pub content: String,
    pub published_at: Option<i64>,
    pub status: CommentStatus,
    pub received_at: i64,
    pub article_title: String,
    pub article_slug: String,
}

/// A mention waiting to be sent (or retried).
#[derive(Debug, Clone)]
pub struct SendJob {
    pub id: i64,
    pub source_url: String,
    pub target_url: String,
    pub attempts: i64,
}

/// What happened when a mention was sent.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    /// `sent`, `no_endpoint`, `failed` (given up) or `queued` (retried at `next_attempt_at`).
    pub status: &'static str,
    pub endpoint: Option<String>,
    pub response_status: Option<u16>,
    pub error: Option<String>,
    pub next_attempt_at: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SendView {
    pub source_url: String,
    pub target_url: String,
    pub status: String,
    pub endpoint: Option<String>,
    pub response_status: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub links_back: Option<bool>,
    pub last_checked_at: Option<i64>,
    pub last_error: Option<String>,
}

const MENTION_SELECT: &str =
    "SELECT m.id, m.article_id, m.source_url, m.target_url, m.source_host, m.kind,
    m.author_name, m.author_url, m.entry_url, m.content, m.published_at, m.status, m.received_at,
    a.title AS article_title, a.slug AS article_slug
    FROM mentions m JOIN articles a ON a.id = m.article_id";

fn mention_from_row(row: &AnyRow) -> Result<MentionView> {
    let status: String = row.try_get("status")?;
    Ok(MentionView {
        id: row.try_get("id")?,
        article_id: row.try_get("article_id")?,
        source_url: row.try_get("source_url")?,
        target_url: row.try_get("target_url")?,
        source_host: row.try_get("source_host")?,
        kind: row.try_get("kind")?,
        author_name: row.try_get("author_name")?,
        author_url: row.try_get("author_url")?,
        entry_url: row.try_get("entry_url")?,
        content: row.try_get("content")?,
        published_at: row.try_get("published_at")?,
        status: CommentStatus::parse(&status).unwrap_or(CommentStatus::Spam),
        received_at: row.try_get("received_at")?,
        article_title: row.try_get("article_title")?,
        article_slug: row.try_get("article_slug")?,
    })
}

impl Store {
    /// Stores a verified mention, or updates the one with the same source and target (its
    /// moderation status stays). Returns its id.
    pub async fn upsert_mention(&self, m: &NewMention) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO mentions (article_id, source_url, target_url, source_host, kind, author_name, author_url,
                 entry_url, content, published_at, status, received_at, verified_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
             ON CONFLICT (source_url, target_url) DO UPDATE SET kind = excluded.kind,
                 author_name = excluded.author_name, author_url = excluded.author_url,
                 entry_url = excluded.entry_url, content = excluded.content,
                 published_at = excluded.published_at, verified_at = excluded.verified_at
             RETURNING id",
        )
        .bind(m.article_id)
        .bind(&m.source_url)
        .bind(&m.target_url)
        .bind(&m.source_host)
        .bind(&m.kind)
        .bind(&m.author_name)
        .bind(&m.author_url)
        .bind(&m.entry_url)
        .bind(&m.content)
        .bind(m.published_at)
        .bind(m.status.as_str())
        .bind(m.now)
        .fetch_one(&self.pool)
        .await?;
        self.bump_generation();
        Ok(row.try_get(0)?)
    }

    /// Deletes the mention from `source` to `target` (gone, or no longer linking).
    pub async fn delete_mention(&self, source: &str, target: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM mentions WHERE source_url = $1 AND target_url = $2")
            .bind(source)
            .bind(target)
            .execute(&self.pool)
            .await?;
        self.bump_generation();
        Ok(done.rows_affected() > 0)
    }

    pub async fn mention(&self, source: &str, target: &str) -> Result<Option<MentionView>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MENTION_SELECT} WHERE m.source_url = $1 AND m.target_url = $2"
        )))
        .bind(source)
        .bind(target)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(mention_from_row).transpose()
    }

    /// The published mentions of an article, oldest first.
    pub async fn mentions_for_article(&self, article_id: i64) -> Result<Vec<MentionView>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MENTION_SELECT} WHERE m.article_id = $1 AND m.status = 'approved' ORDER BY COALESCE(m.published_at, m.received_at), m.id"
        )))
        .bind(article_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mention_from_row).collect()
    }

    /// Mentions with `status`, newest first (the moderation queue).
    pub async fn mentions_with_status(
        &self,
        status: CommentStatus,
        limit: i64,
    ) -> Result<Vec<MentionView>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{MENTION_SELECT} WHERE m.status = $1 ORDER BY m.id DESC LIMIT $2"
        )))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(mention_from_row).collect()
    }

    /// Moderates a mention; deleting removes it. False when there is no such mention.
    pub async fn set_mention_status(&self, id: i64, status: CommentStatus) -> Result<bool> {
        let done = if status == CommentStatus::Deleted {
            sqlx::query("DELETE FROM mentions WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?
        } else {
            sqlx::query("UPDATE mentions SET status = $2 WHERE id = $1")
                .bind(id)
                .bind(status.as_str())
                .execute(&self.pool)
                .await?
        };
        self.bump_generation();
        Ok(done.rows_affected() > 0)
    }

    /// Mentions per status.
    pub async fn mention_status_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM mentions GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// True when a mention from this host has been approved (for "hold first-time senders").
    pub async fn host_is_known(&self, host: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM mentions WHERE source_host = $1 AND status = 'approved' LIMIT 1",
        )
        .bind(host)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Queues mentions to send; a pair already sent is queued again (our page changed).
    pub async fn queue_webmention_sends(&self, pairs: &[(String, String)], now: i64) -> Result<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        let (_writer, mut tx) = self.begin_write().await?;
        for (source, target) in pairs {
            sqlx::query(
                "INSERT INTO webmention_sends (source_url, target_url, next_attempt_at) VALUES ($1, $2, $3)
                 ON CONFLICT (source_url, target_url) DO UPDATE SET status = 'queued', attempts = 0,
                     next_attempt_at = excluded.next_attempt_at, last_error = NULL",
            )
            .bind(source)
            .bind(target)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn due_webmention_sends(&self, now: i64, limit: i64) -> Result<Vec<SendJob>> {
        let rows = sqlx::query(
            "SELECT id, source_url, target_url, attempts FROM webmention_sends
             WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SendJob {
                    id: r.try_get("id")?,
                    source_url: r.try_get("source_url")?,
                    target_url: r.try_get("target_url")?,
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect()
    }

    pub async fn finish_webmention_send(
        &self,
        id: i64,
        outcome: &SendOutcome,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webmention_sends SET status = $2, endpoint = COALESCE($3, endpoint), response_status = $4,
                 last_error = $5, attempts = attempts + 1, next_attempt_at = $6,
                 sent_at = CASE WHEN $2 = 'sent' THEN $7 ELSE sent_at END WHERE id = $1",
        )
        .bind(id)
        .bind(outcome.status)
        .bind(&outcome.endpoint)
        .bind(outcome.response_status.map(i64::from))
        .bind(&outcome.error)
        .bind(outcome.next_attempt_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What was sent for one of our pages.
    pub async fn webmention_sends_for(&self, source_url: &str) -> Result<Vec<SendView>> {
        let rows = sqlx::query(
            "SELECT source_url, target_url, status, endpoint, response_status, attempts, last_error, sent_at
             FROM webmention_sends WHERE source_url = $1 ORDER BY id",
        )
        .bind(source_url)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SendView {
                    source_url: r.try_get("source_url")?,
                    target_url: r.try_get("target_url")?,
                    status: r.try_get("status")?,
                    endpoint: r.try_get("endpoint")?,
                    response_status: r.try_get("response_status")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                    sent_at: r.try_get("sent_at")?,
                })
            })
            .collect()
    }

    pub async fn add_partner(&self, name: &str, url: &str, now: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO partners (name, url, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(url)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique_violation(e, || format!("partner {url}")))?;
        self.bump_generation();
        Ok(row.try_get(0)?)
    }

    pub async fn remove_partner(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM partners WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.bump_generation();
        Ok(done.rows_affected() > 0)
    }

    pub async fn partners(&self) -> Result<Vec<Partner>> {
        let rows = sqlx::query(
            "SELECT id, name, url, links_back, last_checked_at, last_error FROM partners ORDER BY name, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Partner {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    url: r.try_get("url")?,
                    links_back: r.try_get::<Option<i64>, _>("links_back")?.map(|v| v != 0),
                    last_checked_at: r.try_get("last_checked_at")?,
                    last_error: r.try_get("last_error")?,
                })
            })
            .collect()
    }

    /// Records a link-back check: `Some(found)` when the page was read, `None` with the error.
    pub async fn record_partner_check(
        &self,
        id: i64,
        links_back: Option<bool>,
        error: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE partners SET links_back = COALESCE($2, links_back), last_error = $3, last_checked_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(links_back.map(i64::from))
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.bump_generation();
        Ok(())
    }
}

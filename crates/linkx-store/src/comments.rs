//! Readers' comments and the site's signing keys.
//!
//! The commenter's email address is written here but no view type carries it, so no page, feed
//! or API response can show it by accident.

use crate::{Result, Store};
use linkx_core::comment::CommentStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A comment ready to store; the web layer has parsed, rendered and moderated it.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    /// 1 for a top-level comment, the parent's depth + 1 for a reply.
    pub depth: i64,
    pub author_name: String,
    pub author_email: String,
    /// Keyed hash of the email address: who the commenter is, without the address.
    pub author_key: String,
    pub author_url: Option<String>,
    /// Gravatar hash, only when the operator enabled Gravatar.
    pub avatar_hash: Option<String>,
    pub body_md: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub held_reason: Option<String>,
    pub notify: bool,
    pub ip_hash: Option<String>,
    pub created_at: i64,
}

/// A comment as pages, feeds and the API may show it (never with the email address).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CommentView {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i64,
    pub author_name: String,
    pub author_key: String,
    pub author_url: Option<String>,
    pub avatar_hash: Option<String>,
    pub body_md: String,
    pub body_html: String,
    pub status: CommentStatus,
    pub held_reason: Option<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// The article it is under, for feeds and the moderation queue.
    pub article_title: String,
    pub article_slug: String,
}

const COMMENT_SELECT: &str =
    "SELECT c.id, c.article_id, c.parent_id, c.depth, c.author_name, c.author_key, c.author_url,
    c.avatar_hash, c.body_md, c.body_html, c.status, c.held_reason, c.created_at, c.edited_at,
    a.title AS article_title, a.slug AS article_slug
    FROM comments c JOIN articles a ON a.id = c.article_id";

fn comment_from_row(row: &AnyRow) -> Result<CommentView> {
    let status: String = row.try_get("status")?;
    Ok(CommentView {
        id: row.try_get("id")?,
        article_id: row.try_get("article_id")?,
        parent_id: row.try_get("parent_id")?,
        depth: row.try_get("depth")?,
        author_name: row.try_get("author_name")?,
        author_key: row.try_get("author_key")?,
        author_url: row.try_get("author_url")?,
        avatar_hash: row.try_get("avatar_hash")?,
        body_md: row.try_get("body_md")?,
        body_html: row.try_get("body_html")?,
        // An unknown status (a newer version wrote it) is shown to nobody.
        status: CommentStatus::parse(&status).unwrap_or(CommentStatus::Spam),
        held_reason: row.try_get("held_reason")?,
        created_at: row.try_get("created_at")?,
        edited_at: row.try_get("edited_at")?,
        article_title: row.try_get("article_title")?,
        article_slug: row.try_get("article_slug")?,
    })
}

impl Store {
    /// The secret called `name`, created from `candidate` the first time it is asked for. Every
    /// process sharing the database gets the same value.
    pub async fn secret(&self, name: &str, candidate: &str) -> Result<String> {
        sqlx::query(
            "INSERT INTO site_secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM site_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn insert_comment(&self, c: &NewComment) -> Result<i64> {
        let (_writer, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO comments (article_id, parent_id, depth, author_name, author_email, author_key, author_url,
                 avatar_hash, body_md, body_html, status, held_reason, notify, ip_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        )
        .bind(c.article_id)
        .bind(c.parent_id)
        .bind(c.depth)
        .bind(&c.author_name)
        .bind(&c.author_email)
        .bind(&c.author_key)
        .bind(&c.author_url)
        .bind(&c.avatar_hash)
        .bind(&c.body_md)
        .bind(&c.body_html)
        .bind(c.status.as_str())
        .bind(&c.held_reason)
        .bind(i64::from(c.notify))
        .bind(&c.ip_hash)
        .bind(c.created_at)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        if c.notify {
            crate::notifications::subscribe(&mut tx, &c.author_key, &c.author_email).await?;
        }
        crate::notifications::queue_reply_notification(&mut tx, id).await?;
        tx.commit().await?;
        self.bump_generation();
        Ok(id)
    }

    pub async fn comment(&self, id: i64) -> Result<Option<CommentView>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COMMENT_SELECT} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(comment_from_row).transpose()
    }

    /// The comments a reader sees under an article, oldest first: approved ones, deleted ones
    /// (placeholders that keep a thread together), and the reader's own held ones when
    /// `viewer_key` says who they are.
    pub async fn comments_for_article(
        &self,
        article_id: i64,
        viewer_key: Option<&str>,
    ) -> Result<Vec<CommentView>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COMMENT_SELECT} WHERE c.article_id = $1
               AND (c.status IN ('approved', 'deleted') OR (c.status = 'pending' AND c.author_key = $2))
             ORDER BY c.id"
        )))
        .bind(article_id)
        .bind(viewer_key.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment_from_row).collect()
    }

    /// Approved comments, newest first, of one article or (with `None`) of the whole site.
    pub async fn latest_comments(
        &self,
        article_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<CommentView>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COMMENT_SELECT} WHERE c.status = 'approved' AND ($1 IS NULL OR c.article_id = $1)
             ORDER BY c.id DESC LIMIT $2"
        )))
        .bind(article_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment_from_row).collect()
    }

    /// Comments with `status`, newest first: the moderation queue.
    pub async fn comments_with_status(
        &self,
        status: CommentStatus,
        limit: i64,
    ) -> Result<Vec<CommentView>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COMMENT_SELECT} WHERE c.status = $1 ORDER BY c.id DESC LIMIT $2"
        )))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(comment_from_row).collect()
    }

    /// True when this commenter has an approved comment (for "hold first-time commenters").
    pub async fn commenter_is_known(&self, author_key: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM comments WHERE author_key = $1 AND status = 'approved' LIMIT 1",
        )
        .bind(author_key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// When this IP address or commenter last posted, for flood control.
    pub async fn last_comment_at(
        &self,
        ip_hash: Option<&str>,
        author_key: &str,
    ) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MAX(created_at) FROM comments WHERE author_key = $1 OR ($2 IS NOT NULL AND ip_hash = $2)",
        )
        .bind(author_key)
        .bind(ip_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// True when this commenter already left this very comment under this article.
    pub async fn is_duplicate_comment(
        &self,
        article_id: i64,
        author_key: &str,
        body_md: &str,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 FROM comments WHERE article_id = $1 AND author_key = $2 AND body_md = $3
               AND status <> 'deleted' LIMIT 1",
        )
        .bind(article_id)
        .bind(author_key)
        .bind(body_md)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Moves a comment to `status`; false when there is no such comment. Deleting empties the
    /// comment but keeps its row, so replies to it keep their place in the thread.
    pub async fn set_comment_status(&self, id: i64, status: CommentStatus) -> Result<bool> {
        let sql = if status == CommentStatus::Deleted {
            "UPDATE comments SET status = $2, body_md = '', body_html = '', author_name = '', author_url = NULL,
                 avatar_hash = NULL, notify = 0 WHERE id = $1"
        } else {
            "UPDATE comments SET status = $2, held_reason = CASE WHEN $2 = 'approved' THEN NULL ELSE held_reason END
             WHERE id = $1 AND status <> 'deleted'"
        };
        let (_writer, mut tx) = self.begin_write().await?;
        let done = sqlx::query(sql)
            .bind(id)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // Approving a reply is when its parent's author hears of it.
        crate::notifications::queue_reply_notification(&mut tx, id).await?;
        tx.commit().await?;
        self.bump_generation();
        Ok(done > 0)
    }

    /// Replaces a comment's text (its author editing it); false when it is gone.
    pub async fn edit_comment(
        &self,
        id: i64,
        body_md: &str,
        body_html: &str,
        now: i64,
    ) -> Result<bool> {
        let (_writer, mut tx) = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE comments SET body_md = $2, body_html = $3, edited_at = $4 WHERE id = $1 AND status <> 'deleted'",
        )
        .bind(id)
        .bind(body_md)
        .bind(body_html)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        self.bump_generation();
        Ok(done > 0)
    }

    /// Anonymises every comment of one person (by email address, any letter case): name,
    /// address, website, avatar and IP hash are removed; the text stays. Returns how many.
    pub async fn erase_commenter(&self, email: &str) -> Result<u64> {
        let (_writer, mut tx) = self.begin_write().await?;
        crate::notifications::forget_subscriber(&mut tx, email.trim()).await?;
        let done = sqlx::query(
            "UPDATE comments SET author_name = 'Anonymous', author_email = '', author_key = 'erased:' || id,
                 author_url = NULL, avatar_hash = NULL, ip_hash = NULL, notify = 0
             WHERE LOWER(author_email) = LOWER($1) AND author_email <> ''",
        )
        .bind(email.trim())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        self.bump_generation();
        Ok(done)
    }

    /// Forgets the IP address hashes of comments posted before `before`. Returns how many.
    pub async fn purge_comment_ip_hashes(&self, before: i64) -> Result<u64> {
        let (_writer, mut tx) = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE comments SET ip_hash = NULL WHERE ip_hash IS NOT NULL AND created_at < $1",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done)
    }

    /// Approved comments per article, for listings.
    pub async fn comment_count(&self, article_id: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM comments WHERE article_id = $1 AND status = 'approved'",
        )
        .bind(article_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }
}

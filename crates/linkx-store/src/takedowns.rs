//! Takedowns and the blocklist: articles removed at once from every page, feed, sitemap and
//! (through the caller) the search index, with the reason on record, and blocks that keep later
//! polls from storing them again.

use crate::{Result, Store};
use linkx_core::blocklist::{Block, BlockKind, Blocklist};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct BlockView {
    pub id: i64,
    pub kind: BlockKind,
    pub value: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TakedownView {
    pub article_id: i64,
    pub url: String,
    pub title: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
}

impl Store {
    /// Records a block (a second block of the same thing updates its reason).
    pub async fn add_block(&self, block: &Block, reason: &str, by: &str, now: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO blocks (kind, value, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (kind, value) DO UPDATE SET reason = excluded.reason RETURNING id",
        )
        .bind(block.kind.as_str())
        .bind(&block.value)
        .bind(reason)
        .bind(by)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn remove_block(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM blocks WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn blocks(&self) -> Result<Vec<BlockView>> {
        let rows = sqlx::query(
            "SELECT id, kind, value, reason, created_by, created_at FROM blocks ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let kind: String = r.try_get("kind").ok()?;
                Some((BlockKind::parse(&kind)?, r))
            })
            .map(|(kind, r)| {
                Ok(BlockView {
                    id: r.try_get("id")?,
                    kind,
                    value: r.try_get("value")?,
                    reason: r.try_get("reason")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Every block, for matching new items against.
    pub async fn blocklist(&self) -> Result<Blocklist> {
        Ok(Blocklist(
            self.blocks()
                .await?
                .into_iter()
                .map(|b| Block {
                    kind: b.kind,
                    value: b.value,
                })
                .collect(),
        ))
    }

    /// Stored articles a block covers.
    pub async fn articles_blocked_by(&self, block: &Block) -> Result<Vec<i64>> {
        let rows = match block.kind {
            BlockKind::Url => {
                sqlx::query("SELECT id, url FROM articles WHERE canonical_key = $1")
                    .bind(&block.value)
                    .fetch_all(&self.pool)
                    .await?
            }
            // LIKE narrows the candidates (lower-cased: SQLite's LIKE ignores ASCII case,
            // PostgreSQL's does not); `block.matches` decides.
            BlockKind::Domain => {
                let like = format!("%{}%", like_literal(&block.value.to_lowercase()));
                sqlx::query("SELECT id, url FROM articles WHERE lower(url) LIKE $1 ESCAPE '\\'")
                    .bind(like)
                    .fetch_all(&self.pool)
                    .await?
            }
            BlockKind::Pattern => {
                let like = like_literal(&block.value.to_lowercase()).replace('*', "%");
                sqlx::query("SELECT id, url FROM articles WHERE lower(url) LIKE $1 ESCAPE '\\'")
                    .bind(like)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let mut ids = Vec::new();
        for r in &rows {
            let url: String = r.try_get("url")?;
            if url::Url::parse(&url).is_ok_and(|u| block.matches(&u)) {
                ids.push(r.try_get("id")?);
            }
        }
        Ok(ids)
    }

    /// Removes articles at once, in one transaction, remembering each (its address answers
    /// 410 Gone) and refreshing the stories they were in. Their comments and mentions go with
    /// them. Returns the ids removed.
    pub async fn take_down(
        &self,
        ids: &[i64],
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<Vec<i64>> {
        let (_writer, mut tx) = self.begin_write().await?;
        for &id in ids {
            sqlx::query(
                "INSERT INTO takedowns (article_id, url, title, reason, created_by, created_at)
                 SELECT id, url, title, $2, $3, $4 FROM articles WHERE id = $1
                 ON CONFLICT (article_id) DO NOTHING",
            )
            .bind(id)
            .bind(reason)
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let removed = delete_articles(&mut tx, ids).await?;
        tx.commit().await?;
        self.bump_generation();
        Ok(removed)
    }

    /// The takedown of an article, if it was taken down.
    pub async fn takedown(&self, article_id: i64) -> Result<Option<TakedownView>> {
        let row = sqlx::query(
            "SELECT article_id, url, title, reason, created_by, created_at FROM takedowns WHERE article_id = $1",
        )
        .bind(article_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TakedownView {
                article_id: r.try_get("article_id")?,
                url: r.try_get("url")?,
                title: r.try_get("title")?,
                reason: r.try_get("reason")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }

    /// The latest takedowns, newest first.
    pub async fn takedowns(&self, limit: i64) -> Result<Vec<TakedownView>> {
        let rows = sqlx::query(
            "SELECT article_id, url, title, reason, created_by, created_at FROM takedowns ORDER BY created_at DESC, article_id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TakedownView {
                    article_id: r.try_get("article_id")?,
                    url: r.try_get("url")?,
                    title: r.try_get("title")?,
                    reason: r.try_get("reason")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

/// What the operator takes down: one article (its URL is blocked too) or everything a block
/// covers (a URL, a pattern, a domain).
#[derive(Debug, Clone)]
pub enum TakedownTarget {
    Article(i64),
    Block(Block),
}

#[derive(Debug, Clone, Default)]
pub struct TakedownResult {
    /// Articles removed now.
    pub removed: Vec<i64>,
    /// What later polls will not store again.
    pub blocked: Option<Block>,
}

impl Store {
    /// Blocks `target` for good and removes what it covers now.
    pub async fn take_down_target(
        &self,
        target: &TakedownTarget,
        reason: &str,
        by: &str,
        now: i64,
    ) -> Result<TakedownResult> {
        let (block, ids) = match target {
            TakedownTarget::Article(id) => {
                let row = sqlx::query("SELECT url FROM articles WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or_else(|| crate::StoreError::NotFound(format!("article {id}")))?;
                let url: String = row.try_get(0)?;
                (Block::url(&url).ok(), vec![*id])
            }
            TakedownTarget::Block(block) => {
                (Some(block.clone()), self.articles_blocked_by(block).await?)
            }
        };
        if let Some(block) = &block {
            self.add_block(block, reason, by, now).await?;
        }
        let removed = self.take_down(&ids, reason, by, now).await?;
        Ok(TakedownResult {
            removed,
            blocked: block,
        })
    }
}

/// Deletes articles (their comments and mentions cascade), unlinks copies of them and refreshes
/// the stories they were in, inside the caller's transaction. Returns the ids deleted.
pub(crate) async fn delete_articles(tx: &mut sqlx::AnyConnection, ids: &[i64]) -> Result<Vec<i64>> {
    let mut removed = Vec::new();
    let mut stories = Vec::new();
    for &id in ids {
        let Some(row) = sqlx::query("SELECT story_id FROM articles WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            continue;
        };
        // Copies pointing at a removed article become plain reports.
        sqlx::query("UPDATE articles SET duplicate_of = NULL WHERE duplicate_of = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM articles WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if let Some(story) = row.try_get::<Option<i64>, _>("story_id")? {
            stories.push(story);
        }
        removed.push(id);
    }
    stories.sort_unstable();
    stories.dedup();
    for story in stories {
        crate::stories::recount_or_drop(&mut *tx, story).await?;
    }
    crate::index_log::note(&mut *tx, &removed).await?;
    Ok(removed)
}

/// `text` as a LIKE pattern matching itself (with `ESCAPE '\'`).
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

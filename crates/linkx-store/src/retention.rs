//! Retention: articles older than the operator's limits lose their full text (keeping excerpt
//! and metadata), then are deleted with their comments and mentions. Work is done in small
//! transactions so the site keeps serving and polling meanwhile.

use crate::{Result, Store};
use sqlx::Row;

/// What retention would do (or did).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Articles whose full text is (to be) dropped.
    pub trimmed: Vec<i64>,
    /// Articles (to be) deleted.
    pub deleted: Vec<i64>,
}

/// Articles handled per transaction.
const BATCH: i64 = 500;

/// "Still has full text": a body beyond its excerpt, or HTML content.
const HAS_FULL_TEXT: &str =
    "(content_html IS NOT NULL OR summary_html IS NOT NULL OR body_text <> excerpt)";

impl Store {
    /// What retention would change: full text older than `trim_before`, articles older than
    /// `delete_before` (Unix times; `None`: keep).
    pub async fn retention_plan(
        &self,
        trim_before: Option<i64>,
        delete_before: Option<i64>,
    ) -> Result<RetentionReport> {
        let mut report = RetentionReport::default();
        if let Some(before) = delete_before {
            report.deleted = ids(
                self,
                "SELECT id FROM articles WHERE published_at < $1 ORDER BY id",
                before,
            )
            .await?;
        }
        if let Some(before) = trim_before {
            let sql = format!(
                "SELECT id FROM articles WHERE published_at < $1 AND published_at >= $2 AND {HAS_FULL_TEXT} ORDER BY id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(before)
                .bind(delete_before.unwrap_or(i64::MIN))
                .fetch_all(&self.pool)
                .await?;
            report.trimmed = rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
        }
        Ok(report)
    }

    /// Applies retention; returns what changed.
    pub async fn apply_retention(
        &self,
        trim_before: Option<i64>,
        delete_before: Option<i64>,
    ) -> Result<RetentionReport> {
        let plan = self.retention_plan(trim_before, delete_before).await?;
        let mut done = RetentionReport::default();
        for chunk in plan.deleted.chunks(BATCH as usize) {
            let (_writer, mut tx) = self.begin_write().await?;
            done.deleted
                .extend(crate::takedowns::delete_articles(&mut tx, chunk).await?);
            tx.commit().await?;
        }
        for chunk in plan.trimmed.chunks(BATCH as usize) {
            let (_writer, mut tx) = self.begin_write().await?;
            for &id in chunk {
                sqlx::query(
                    "UPDATE articles SET content_html = NULL, summary_html = NULL, body_text = excerpt WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            crate::index_log::note(&mut tx, chunk).await?;
            tx.commit().await?;
            done.trimmed.extend_from_slice(chunk);
        }
        self.bump_generation();
        Ok(done)
    }
}

async fn ids(store: &Store, sql: &'static str, bound: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(sql).bind(bound).fetch_all(&store.pool).await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

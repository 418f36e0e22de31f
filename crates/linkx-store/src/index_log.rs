//! The log of search-document changes that processes with their own search index follow
//! (`index_changes`): written in the same transaction as the change itself, so a follower
//! never misses one that committed.

use crate::{Result, Store};
use sqlx::Row;

/// Entries kept; a follower further behind than this rebuilds its index.
pub const KEPT: i64 = 100_000;

/// Notes that the search documents of `ids` changed (inside the caller's transaction).
pub(crate) async fn note(tx: &mut sqlx::AnyConnection, ids: &[i64]) -> Result<()> {
    for &id in ids {
        sqlx::query("INSERT INTO index_changes (article_id) VALUES ($1)")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The articles changed after log position `after`, oldest first: (position, article id).
    pub async fn index_changes_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT seq, article_id FROM index_changes WHERE seq > $1 ORDER BY seq LIMIT {}",
            limit.max(1)
        )))
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The log's first and last positions (0, 0 when empty).
    pub async fn index_log_span(&self) -> Result<(i64, i64)> {
        let row =
            sqlx::query("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM index_changes")
                .fetch_one(&self.pool)
                .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }

    /// Drops all but the newest [`KEPT`] entries; returns how many went.
    pub async fn prune_index_log(&self) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM index_changes WHERE seq <= (SELECT MAX(seq) FROM index_changes) - $1",
        )
        .bind(KEPT)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

//! Schema migrations: numbered SQL files embedded in the binary, applied once each, in order,
//! each in its own transaction.

use crate::{Result, Store, StoreError};
use sqlx::Row;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../migrations/sqlite/0001_core.sql"),
    ),
    (
        2,
        "stories",
        include_str!("../migrations/sqlite/0002_stories.sql"),
    ),
    (
        3,
        "extraction",
        include_str!("../migrations/sqlite/0003_extraction.sql"),
    ),
    (
        4,
        "comments",
        include_str!("../migrations/sqlite/0004_comments.sql"),
    ),
    (
        5,
        "notifications",
        include_str!("../migrations/sqlite/0005_notifications.sql"),
    ),
    (
        6,
        "admin",
        include_str!("../migrations/sqlite/0006_admin.sql"),
    ),
    (
        7,
        "webmention",
        include_str!("../migrations/sqlite/0007_webmention.sql"),
    ),
    (
        8,
        "takedowns",
        include_str!("../migrations/sqlite/0008_takedowns.sql"),
    ),
    (
        9,
        "attribution",
        include_str!("../migrations/sqlite/0009_attribution.sql"),
    ),
    (
        10,
        "rules",
        include_str!("../migrations/sqlite/0010_rules.sql"),
    ),
    (
        11,
        "topics",
        include_str!("../migrations/sqlite/0011_topics.sql"),
    ),
    (
        12,
        "language",
        include_str!("../migrations/sqlite/0012_language.sql"),
    ),
];

/// The newest migration this version knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|(v, _, _)| *v).max().unwrap_or(0)
}

impl Store {
    /// Applies every migration not yet recorded; safe to run any number of times.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        let mut newly = Vec::new();
        for (version, name, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            let fail = |source| StoreError::Migration {
                version: *version,
                source,
            };
            let mut tx = self.pool.begin().await.map_err(fail)?;
            sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(fail)?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(version)
            .bind(*name)
            .bind(chrono::Utc::now().timestamp())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
            tx.commit().await.map_err(fail)?;
            tracing::info!(version, name, "applied migration");
            newly.push(*version);
        }
        Ok(newly)
    }
}

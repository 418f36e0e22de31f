//! Backups: a consistent online snapshot of the database (`VACUUM INTO` reads one transaction's
//! view while writers carry on) and a check that a file is a Link Exchange backup this version
//! can restore.

use crate::{Result, Store, StoreError};
use sqlx::Row;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::Path;

/// What a backup file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// The newest migration it has.
    pub schema_version: i64,
    pub articles: i64,
    pub sources: i64,
    pub comments: i64,
}

/// How to back up and restore a PostgreSQL store: its own tools do it consistently online.
pub const PG_BACKUP_GUIDANCE: &str = "linkx backup and restore work on a SQLite store; \
    on PostgreSQL use its tools, which take a consistent snapshot while the site runs: \
    pg_dump --format=custom --file=FILE 'postgres://…' to back up, and \
    pg_restore --clean --if-exists --dbname='postgres://…' FILE to restore (then linkx reindex)";

impl Store {
    /// Writes a consistent, compact copy of the whole database to `path` (which must not exist).
    pub async fn backup_into(&self, path: &Path) -> Result<()> {
        if self.backend == crate::Backend::Postgres {
            return Err(StoreError::Refused(PG_BACKUP_GUIDANCE.into()));
        }
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Opens `path` read-only and says what it holds, or why it is not a backup this version can
/// restore.
pub async fn inspect_backup(path: &Path) -> Result<BackupInfo> {
    let not_ours = |why: String| StoreError::Open {
        url: path.display().to_string(),
        source: sqlx::Error::Protocol(why),
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|source| StoreError::Open {
            url: path.display().to_string(),
            source,
        })?;
    let version: Option<i64> = sqlx::query("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut conn)
        .await
        .map_err(|_| {
            not_ours("this is not a Link Exchange database (no schema_migrations table)".into())
        })?
        .try_get(0)?;
    let version =
        version.ok_or_else(|| not_ours("the database has no migrations applied".into()))?;
    if version > crate::migrate::latest_version() {
        return Err(not_ours(format!(
            "the backup comes from a newer Link Exchange (schema {version}, this one knows {}): upgrade first",
            crate::migrate::latest_version()
        )));
    }
    let count = |table: &'static str| format!("SELECT COUNT(*) FROM {table}");
    let mut counts = Vec::new();
    for table in ["articles", "sources", "comments"] {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(count(table)))
            .fetch_one(&mut conn)
            .await
            .map(|r| r.try_get(0))
            .unwrap_or(Ok(0))?;
        counts.push(n);
    }
    conn.close().await?;
    Ok(BackupInfo {
        schema_version: version,
        articles: counts[0],
        sources: counts[1],
        comments: counts[2],
    })
}

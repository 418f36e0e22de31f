//! All SQL of Link Exchange lives here and nowhere else.
//!
//! The statements are portable (`$1` placeholders, `RETURNING`, `ON CONFLICT`, BIGINT Unix
//! times) so a PostgreSQL backend can run them unchanged. Every multi-row change runs in one
//! transaction: a process killed mid-poll leaves either the whole feed's changes or none.

mod admin;
mod articles;
mod backup;
mod comments;
mod jobs;
mod mentions;
mod migrate;
mod notifications;
mod retention;
mod rules;
mod sources;
mod stories;
mod takedowns;
mod topics;

pub use admin::{AuditEntry, DailyCount, LoginFailures, User};
pub use articles::{ArticleView, IndexRow, IngestCounts, Ingested, NewArticle, SitemapEntry};
pub use backup::{BackupInfo, inspect_backup};
pub use comments::{CommentView, NewComment};
pub use jobs::{Job, JobStatus};
pub use mentions::{MentionView, NewMention, Partner, SendJob, SendOutcome, SendView};
pub use notifications::{NotificationJob, NotificationOutcome};
pub use retention::RetentionReport;
pub use rules::{NewRule, RuleRow, RuleSample};
pub use sources::{FetchLogEntry, NewSource, PollRecord, Source, SourceEdit};
pub use stories::{ClusterInput, Curation, StoryAssignment, StoryView};
pub use takedowns::{BlockView, TakedownResult, TakedownTarget, TakedownView};
pub use topics::{NewTopic, Topic};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("database migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
    #[error("{0} already exists")]
    Duplicate(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(
        "storage.url {0:?} is not supported yet: use sqlite://PATH (PostgreSQL support is on the roadmap)"
    )]
    Unsupported(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle on the database; cheap to clone (a connection pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// SQLite has one writer at a time: queueing writers here (instead of letting them spin on
    /// SQLITE_BUSY) keeps concurrent polls fast and fair.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Bumped after every committed change made through this handle, so readers in this
    /// process can tell cached pages are stale.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH`) and applies pending
    /// migrations.
    pub async fn open(url: &str) -> Result<Store> {
        if url.starts_with("postgres") {
            return Err(StoreError::Unsupported(url.to_string()));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|source| StoreError::Open {
                url: url.to_string(),
                source,
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                url: url.to_string(),
                source,
            })?;
        let store = Store {
            pool,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(())),
            generation: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the SQLite database file at `path`.
    pub async fn open_path(path: &Path) -> Result<Store> {
        Store::open(&format!("sqlite://{}", path.display())).await
    }

    /// True when the database has no sources yet (a new site).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.count_sources().await? == 0)
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// transaction that reads before it writes cannot deadlock with another process's writer.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<(
        tokio::sync::MutexGuard<'_, ()>,
        sqlx::Transaction<'static, sqlx::Sqlite>,
    )> {
        let guard = self.writer.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok((guard, tx))
    }

    /// Changes committed through this store (in this process) so far.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn bump_generation(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// `Ok` and a new generation when a change touched a row; `NotFound(what)` when none.
    pub(crate) fn found(&self, rows: u64, what: impl FnOnce() -> String) -> Result<()> {
        if rows == 0 {
            return Err(StoreError::NotFound(what()));
        }
        self.bump_generation();
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Maps a unique-constraint violation to [`StoreError::Duplicate`] naming `what`.
fn unique_violation(err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what()),
        _ => StoreError::Sql(err),
    }
}

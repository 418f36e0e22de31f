//! All SQL of Link Exchange lives here and nowhere else.
//!
//! The statements are portable (`$1` placeholders, `RETURNING`, `ON CONFLICT`, BIGINT Unix
//! times) and run through sqlx's Any driver on SQLite or PostgreSQL, chosen by the URL. Every
//! multi-row change runs in one transaction: a process killed mid-poll leaves either the whole
//! feed's changes or none.

mod admin;
mod articles;
mod backup;
mod comments;
mod index_log;
mod jobs;
mod mentions;
mod migrate;
mod notifications;
mod retention;
mod rules;
mod sources;
mod stories;
mod takedowns;
pub mod testing;
mod topics;
mod transfer;

pub use admin::{AuditEntry, DailyCount, LoginFailures, User};
pub use articles::{ArticleView, IndexRow, IngestCounts, Ingested, NewArticle, SitemapEntry};
pub use backup::{BackupInfo, PG_BACKUP_GUIDANCE, inspect_backup};
pub use comments::{CommentView, NewComment};
pub use jobs::{Job, JobStatus};
pub use mentions::{MentionView, NewMention, Partner, SendJob, SendOutcome, SendView};
pub use notifications::{NotificationJob, NotificationOutcome};
pub use retention::RetentionReport;
pub use rules::{NewRule, RuleRow, RuleSample};
pub use sources::{FetchLogEntry, NewSource, PollRecord, Source, SourceEdit};
pub use stories::{ClusterInput, Curation, StoryAssignment, StoryMerge, StorySplit, StoryView};
pub use takedowns::{BlockView, TakedownResult, TakedownTarget, TakedownView};
pub use topics::{NewTopic, Topic};
pub use transfer::{ImportReport, TABLES, TableCounts};

use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
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
        "storage.url {0:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DATABASE"
    )]
    Unsupported(String),
    /// The store will not do this here (a backup on PostgreSQL, an import into a store that
    /// holds a site, a file that is not an export); the message says why and what to do.
    #[error("{0}")]
    Refused(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database the store runs on, chosen by `storage.url` at runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, one writer at a time: the embedded default.
    Sqlite,
    /// A server shared by several processes.
    Postgres,
}

impl Backend {
    /// The backend a `storage.url` names, if any.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// A handle on the database; cheap to clone (a connection pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: queueing writers here (instead of letting them spin on
    /// SQLITE_BUSY) keeps concurrent polls fast and fair.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Bumped after every committed change made through this handle, so readers in this
    /// process can tell cached pages are stale.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Every SQLite connection: write-ahead log (readers never wait for the writer), foreign keys
/// enforced, and a wait instead of an error when another process holds the write lock.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl Store {
    /// Opens the database at `url` (`sqlite://PATH`, created if needed, or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, `?host=/socket/dir` for a Unix socket)
    /// and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database at `url` without touching its schema (`linkx migrate` reports what
    /// it applies).
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let open_error = |source| StoreError::Open {
            url: redact(url),
            source,
        };
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::Unsupported(redact(url)))?;
        let pool = match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                let options = AnyConnectOptions::from_str(&url).map_err(open_error)?;
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql(SQLITE_PRAGMAS).execute(conn).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url).map_err(open_error)?;
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
            }
        }
        .map_err(open_error)?;
        let store = Store {
            pool,
            backend,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(())),
            generation: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
        };
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens the SQLite database file at `path`.
    pub async fn open_path(path: &Path) -> Result<Store> {
        Store::open(&format!("sqlite://{}", path.display())).await
    }

    /// True when the database has no sources yet (a new site).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.count_sources().await? == 0)
    }

    /// Starts a write transaction. On SQLite, writers of this process queue here and
    /// `BEGIN IMMEDIATE` takes the write lock up front, so a transaction that reads before it
    /// writes cannot deadlock with another process's writer. PostgreSQL locks rows, so its
    /// writers run side by side.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<(
        Option<tokio::sync::MutexGuard<'_, ()>>,
        sqlx::Transaction<'static, sqlx::Any>,
    )> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let guard = self.writer.lock().await;
                (Some(guard), self.pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres => (None, self.pool.begin().await?),
        })
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

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Maps a unique-constraint violation to [`StoreError::Duplicate`] naming `what`.
fn unique_violation(err: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what()),
        _ => StoreError::Sql(err),
    }
}

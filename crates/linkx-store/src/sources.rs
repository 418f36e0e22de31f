//! Sources and their polling state.

use crate::{Result, Store, StoreError, unique_violation};
use linkx_core::{Display, FullText, slugify};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A followed source with its polling health; nothing here is ever hidden from the operator.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    pub display: Display,
    pub full_text: FullText,
    /// False for sources imported from local files (the demo): they are never fetched.
    pub polled: bool,
    pub interval_secs: Option<i64>,
    pub current_interval_secs: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_fetch_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub error_count: i64,
    pub next_check_at: i64,
    pub disabled_reason: Option<String>,
    pub created_at: i64,
    /// The operator paused polling at this time (the articles stay published).
    pub paused_at: Option<i64>,
    /// The licence the source publishes under (e.g. "CC BY 4.0"), shown with its items.
    pub licence: Option<String>,
    /// The operator's note of the permission they have to show full text.
    pub permission: Option<String>,
    pub noindex: bool,
}

impl Source {
    /// Full text is shown only where the operator asked for it and recorded why they may.
    pub fn shows_full_text(&self) -> bool {
        self.display == Display::Full && (self.licence.is_some() || self.permission.is_some())
    }

    /// Whether the operator should look at this source: its last poll failed or it is stopped.
    pub fn is_failing(&self) -> bool {
        self.last_error.is_some() || self.disabled_reason.is_some()
    }
}

/// The value a single-source lookup binds.
enum Key<'a> {
    Id(i64),
    Text(&'a str),
}

#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub feed_url: String,
    pub site_url: Option<String>,
    pub display: Display,
    pub full_text: FullText,
    pub polled: bool,
    pub interval_secs: Option<i64>,
    pub licence: Option<String>,
    pub permission: Option<String>,
}

impl NewSource {
    /// A polled feed with the default settings (excerpt, full text auto, adaptive interval),
    /// named after its host unless a name is given.
    pub fn feed(url: &linkx_core::SourceUrl, name: Option<&str>) -> NewSource {
        NewSource {
            name: name.map_or_else(
                || url.as_url().host_str().unwrap_or("source").to_string(),
                str::to_string,
            ),
            feed_url: url.to_string(),
            site_url: None,
            display: Display::Excerpt,
            full_text: FullText::Auto,
            polled: true,
            interval_secs: None,
            licence: None,
            permission: None,
        }
    }
}

/// What the operator may change of a source.
#[derive(Debug, Clone)]
pub struct SourceEdit {
    pub name: String,
    pub display: Display,
    pub full_text: FullText,
    /// A fixed polling interval; `None` adapts it to how often the source publishes.
    pub interval_secs: Option<i64>,
    pub licence: Option<String>,
    pub permission: Option<String>,
    pub noindex: bool,
}

/// Empty text is no value.
fn clean(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// The outcome of one poll of one source, written together with its articles.
#[derive(Debug, Clone, Default)]
pub struct PollRecord {
    pub at: i64,
    pub status: Option<u16>,
    /// Set when the poll failed; the source's error count grows and its validators stay.
    pub error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub next_check_at: i64,
    pub current_interval_secs: Option<i64>,
    /// A permanent redirect moved the feed here.
    pub moved_to: Option<String>,
    /// The feed is gone for good (HTTP 410): the source stops being polled, with this reason.
    pub disable_reason: Option<String>,
    pub site_url: Option<String>,
    pub duration_ms: i64,
}

#[derive(Debug, Clone)]
pub struct FetchLogEntry {
    pub at: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub new_items: i64,
    pub duration_ms: i64,
}

const SOURCE_COLUMNS: &str = "id, slug, name, feed_url, site_url, display, full_text, polled, interval_secs, \
    current_interval_secs, etag, last_modified, last_fetch_at, last_success_at, last_status, last_error, \
    error_count, next_check_at, disabled_reason, created_at, paused_at, licence, permission, noindex";

fn source_from_row(row: &AnyRow) -> Result<Source> {
    Ok(Source {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        feed_url: row.try_get("feed_url")?,
        site_url: row.try_get("site_url")?,
        display: Display::parse(row.try_get("display")?).unwrap_or_default(),
        full_text: FullText::parse(row.try_get("full_text")?).unwrap_or_default(),
        polled: row.try_get::<i64, _>("polled")? != 0,
        interval_secs: row.try_get("interval_secs")?,
        current_interval_secs: row.try_get("current_interval_secs")?,
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        last_fetch_at: row.try_get("last_fetch_at")?,
        last_success_at: row.try_get("last_success_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        error_count: row.try_get("error_count")?,
        next_check_at: row.try_get("next_check_at")?,
        disabled_reason: row.try_get("disabled_reason")?,
        created_at: row.try_get("created_at")?,
        paused_at: row.try_get("paused_at")?,
        licence: row.try_get("licence")?,
        permission: row.try_get("permission")?,
        noindex: row.try_get::<i64, _>("noindex")? != 0,
    })
}

impl Store {
    /// Adds a source; its slug is derived from the name and made unique.
    pub async fn add_source(&self, new: &NewSource, now: i64) -> Result<Source> {
        let base = slugify(&new.name);
        for attempt in 1..=50 {
            let slug = if attempt == 1 {
                base.clone()
            } else {
                format!("{base}-{attempt}")
            };
            let inserted = sqlx::query(
                "INSERT INTO sources (slug, name, feed_url, site_url, display, full_text, polled, interval_secs, created_at, next_check_at,
                     licence, permission)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id",
            )
            .bind(&slug)
            .bind(&new.name)
            .bind(&new.feed_url)
            .bind(&new.site_url)
            .bind(new.display.as_str())
            .bind(new.full_text.as_str())
            .bind(i64::from(new.polled))
            .bind(new.interval_secs)
            .bind(now)
            .bind(clean(new.licence.as_deref()))
            .bind(clean(new.permission.as_deref()))
            .fetch_one(&self.pool)
            .await;
            match inserted {
                Ok(row) => {
                    self.bump_generation();
                    let id: i64 = row.try_get(0)?;
                    return self
                        .source(id)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("source {id}")));
                }
                Err(sqlx::Error::Database(db))
                    if db.is_unique_violation() && db.message().contains("feed_url") =>
                {
                    return Err(StoreError::Duplicate(format!(
                        "a source with feed URL {}",
                        new.feed_url
                    )));
                }
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => continue,
                Err(e) => return Err(unique_violation(e, || format!("source {}", new.name))),
            }
        }
        Err(StoreError::Duplicate(format!(
            "a source named {:?}",
            new.name
        )))
    }

    pub async fn source(&self, id: i64) -> Result<Option<Source>> {
        self.source_where("id = $1", Key::Id(id)).await
    }

    pub async fn source_by_slug(&self, slug: &str) -> Result<Option<Source>> {
        self.source_where("slug = $1", Key::Text(slug)).await
    }

    pub async fn source_by_feed_url(&self, feed_url: &str) -> Result<Option<Source>> {
        self.source_where("feed_url = $1", Key::Text(feed_url))
            .await
    }

    async fn source_where(&self, condition: &'static str, key: Key<'_>) -> Result<Option<Source>> {
        let sql = format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE {condition}");
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let query = match key {
            Key::Id(id) => query.bind(id),
            Key::Text(text) => query.bind(text),
        };
        let row = query.fetch_optional(&self.pool).await?;
        row.as_ref().map(source_from_row).transpose()
    }

    /// All sources, failing ones first, then by name.
    pub async fn list_sources(&self) -> Result<Vec<Source>> {
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM sources ORDER BY (CASE WHEN error_count > 0 OR disabled_reason IS NOT NULL THEN 0 ELSE 1 END), name, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(source_from_row).collect()
    }

    pub async fn count_sources(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM sources")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Sources to fetch now: polled, not paused, not disabled, and due (all of them when `now`
    /// is `i64::MAX`).
    pub async fn due_sources(&self, now: i64) -> Result<Vec<Source>> {
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM sources WHERE polled = 1 AND paused_at IS NULL AND disabled_reason IS NULL AND next_check_at <= $1 ORDER BY next_check_at, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(source_from_row).collect()
    }

    /// How many sources are due before `due_before` and not being polled by a worker now.
    pub async fn count_due_sources(&self, due_before: i64, now: i64) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) FROM sources WHERE polled = 1 AND paused_at IS NULL AND disabled_reason IS NULL
                 AND next_check_at <= $1 AND (poll_lease_until IS NULL OR poll_lease_until < $2)",
        )
        .bind(due_before)
        .bind(now)
        .fetch_one(&self.pool)
        .await?
        .try_get(0)?)
    }

    /// Claims up to `limit` sources due before `due_before` (earliest first) for this worker
    /// until `now + lease`: no other worker, in this process or another, gets them until the
    /// poll's outcome is written (which clears the claim) or the lease runs out (the worker
    /// died). Paused, disabled and unpolled sources are never claimed.
    pub async fn claim_due_sources(
        &self,
        due_before: i64,
        now: i64,
        lease: i64,
        limit: i64,
    ) -> Result<Vec<Source>> {
        let skip_locked = match self.backend {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE sources SET poll_lease_until = $2 + $3
             WHERE id IN (SELECT id FROM sources
                          WHERE polled = 1 AND paused_at IS NULL AND disabled_reason IS NULL
                            AND next_check_at <= $1 AND (poll_lease_until IS NULL OR poll_lease_until < $2)
                          ORDER BY next_check_at, id LIMIT $4 {skip_locked})
             RETURNING {SOURCE_COLUMNS}"
        );
        let (_writer, mut tx) = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(due_before)
            .bind(now)
            .bind(lease)
            .bind(limit.max(0))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut sources: Vec<Source> = rows.iter().map(source_from_row).collect::<Result<_>>()?;
        sources.sort_by_key(|s| (s.next_check_at, s.id));
        Ok(sources)
    }

    /// Deletes a source and, with it, its articles and poll history.
    pub async fn remove_source(&self, id: i64) -> Result<()> {
        let (_writer, mut tx) = self.begin_write().await?;
        let articles: Vec<i64> = sqlx::query("SELECT id FROM articles WHERE source_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let done = sqlx::query("DELETE FROM sources WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("source {id}")));
        }
        crate::index_log::note(&mut tx, &articles).await?;
        tx.commit().await?;
        self.bump_generation();
        Ok(())
    }

    /// Changes what the operator may edit of a source.
    pub async fn update_source(&self, id: i64, edit: &SourceEdit) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sources SET name = $2, display = $3, full_text = $4, interval_secs = $5, licence = $6,
                 permission = $7, noindex = $8 WHERE id = $1",
        )
        .bind(id)
        .bind(&edit.name)
        .bind(edit.display.as_str())
        .bind(edit.full_text.as_str())
        .bind(edit.interval_secs)
        .bind(clean(edit.licence.as_deref()))
        .bind(clean(edit.permission.as_deref()))
        .bind(i64::from(edit.noindex))
        .execute(&self.pool)
        .await?;
        self.found(done.rows_affected(), || format!("source {id}"))
    }

    /// Pauses polling (`Some(time)`) or resumes it (`None`, due at once).
    pub async fn set_source_paused(&self, id: i64, paused_at: Option<i64>) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sources SET paused_at = $2, next_check_at = CASE WHEN $2 IS NULL THEN 0 ELSE next_check_at END WHERE id = $1",
        )
        .bind(id)
        .bind(paused_at)
        .execute(&self.pool)
        .await?;
        self.found(done.rows_affected(), || format!("source {id}"))
    }

    /// Stops following a source but keeps its articles (and their attribution) published.
    pub async fn stop_following(&self, id: i64) -> Result<()> {
        let done = sqlx::query("UPDATE sources SET polled = 0, paused_at = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.found(done.rows_affected(), || format!("source {id}"))
    }

    /// The last `limit` polls of a source, newest first.
    pub async fn fetch_log(&self, source_id: i64, limit: i64) -> Result<Vec<FetchLogEntry>> {
        let rows = sqlx::query(
            "SELECT at, status, error, new_items, duration_ms FROM fetch_log WHERE source_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(source_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FetchLogEntry {
                    at: r.try_get("at")?,
                    status: r.try_get("status")?,
                    error: r.try_get("error")?,
                    new_items: r.try_get("new_items")?,
                    duration_ms: r.try_get("duration_ms")?,
                })
            })
            .collect()
    }

    /// Publication times of a source's most recent articles, newest first (for adaptive intervals).
    pub async fn recent_publication_times(&self, source_id: i64, limit: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT published_at FROM articles WHERE source_id = $1 ORDER BY published_at DESC LIMIT $2")
            .bind(source_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}

/// Writes the poll outcome of one source inside the caller's transaction.
pub(crate) async fn write_poll_record(
    tx: &mut sqlx::AnyConnection,
    source_id: i64,
    record: &PollRecord,
    new_items: i64,
) -> Result<()> {
    let status = record.status.map(i64::from);
    if let Some(error) = &record.error {
        sqlx::query(
            "UPDATE sources SET last_fetch_at = $2, last_status = $3, last_error = $4, error_count = error_count + 1,
                 next_check_at = $5, disabled_reason = COALESCE($6, disabled_reason), poll_lease_until = NULL WHERE id = $1",
        )
        .bind(source_id)
        .bind(record.at)
        .bind(status)
        .bind(error)
        .bind(record.next_check_at)
        .bind(&record.disable_reason)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE sources SET last_fetch_at = $2, last_success_at = $2, last_status = $3, last_error = NULL, error_count = 0,
                 etag = COALESCE($4, etag), last_modified = COALESCE($5, last_modified), next_check_at = $6,
                 current_interval_secs = COALESCE($7, current_interval_secs),
                 site_url = COALESCE(site_url, $8), poll_lease_until = NULL WHERE id = $1",
        )
        .bind(source_id)
        .bind(record.at)
        .bind(status)
        .bind(&record.etag)
        .bind(&record.last_modified)
        .bind(record.next_check_at)
        .bind(record.current_interval_secs)
        .bind(&record.site_url)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(moved) = &record.moved_to {
        let moved_result = sqlx::query("UPDATE sources SET feed_url = $2 WHERE id = $1")
            .bind(source_id)
            .bind(moved)
            .execute(&mut *tx)
            .await;
        if let Err(e) = moved_result {
            // Another source already follows the new address: keep ours and say so.
            match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => tracing::warn!(
                    source_id,
                    moved,
                    "feed moved to a URL another source already follows"
                ),
                _ => return Err(e.into()),
            }
        }
    }
    sqlx::query("INSERT INTO fetch_log (source_id, at, status, error, new_items, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(source_id)
        .bind(record.at)
        .bind(status)
        .bind(&record.error)
        .bind(new_items)
        .bind(record.duration_ms)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

//! The job queue: work the web process asks of the job runner (feed discovery, "poll now"),
//! because the web process never makes an outbound request itself. A job is claimed with a
//! lease; a runner that dies leaves its job to be claimed again when the lease expires.

use crate::{Result, Store};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    fn parse(s: &str) -> JobStatus {
        match s {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Queued,
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    /// JSON, as the producer wrote it.
    pub payload: String,
    pub status: JobStatus,
    /// JSON on success, a message on failure.
    pub result: Option<String>,
    pub attempts: i64,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// A job tried this many times (its runner died each time) fails instead of running again.
const MAX_ATTEMPTS: i64 = 3;

const JOB_COLUMNS: &str =
    "id, kind, payload, status, result, attempts, created_by, created_at, finished_at";

fn job_from_row(row: &AnyRow) -> Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        status: JobStatus::parse(row.try_get("status")?),
        result: row.try_get("result")?,
        attempts: row.try_get("attempts")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

impl Store {
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: &str,
        created_by: Option<&str>,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO jobs (kind, payload, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(kind)
        .bind(payload)
        .bind(created_by)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn job(&self, id: i64) -> Result<Option<Job>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Claims the oldest queued job (or one whose runner's lease expired) until `now + lease`.
    pub async fn claim_job(&self, now: i64, lease: i64) -> Result<Option<Job>> {
        let (_writer, mut tx) = self.begin_write().await?;
        // Jobs whose runners died too often fail for good, with a reason.
        sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1,
                 result = 'the job was interrupted too often (its runner stopped each time)'
             WHERE status = 'running' AND lease_until < $1 AND attempts >= $2",
        )
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .execute(&mut *tx)
        .await?;
        // SQLite's write lock makes the pick and the update one step; PostgreSQL workers skip
        // a job another worker is claiming at this moment instead of claiming it twice.
        let skip_locked = match self.backend {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $1 + $2
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < $1)
                         ORDER BY id LIMIT 1 {skip_locked})
             RETURNING {JOB_COLUMNS}"
        )))
        .bind(now)
        .bind(lease)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.as_ref().map(job_from_row).transpose()
    }

    /// Records a job's outcome: `Ok(result JSON)` or `Err(message)`.
    pub async fn finish_job(
        &self,
        id: i64,
        outcome: std::result::Result<&str, &str>,
        now: i64,
    ) -> Result<()> {
        let (status, result) = match outcome {
            Ok(r) => ("done", r),
            Err(e) => ("failed", e),
        };
        sqlx::query(
            "UPDATE jobs SET status = $2, result = $3, finished_at = $4, lease_until = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(result)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.bump_generation();
        Ok(())
    }

    /// The latest jobs, newest first (the dashboard shows what is pending or just finished).
    pub async fn recent_jobs(&self, limit: i64) -> Result<Vec<Job>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job_from_row).collect()
    }
}

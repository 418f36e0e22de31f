//! Operator accounts, their sessions and failed logins, the audit log, runtime site settings
//! and the dashboard's numbers.

use crate::{Result, Store, unique_violation};
use linkx_core::account::Role;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An operator account. The password hash never leaves the store except to be verified.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: i64,
    pub password_changed_at: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub user_name: String,
    pub action: String,
    pub detail: String,
}

/// Failed logins in a window: for the account being tried and from the address trying.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoginFailures {
    pub for_name: i64,
    pub from_ip: i64,
    /// The latest failure for the account (lockouts run from it).
    pub last_for_name: Option<i64>,
}

/// Articles one source published on one day (`day` is Unix days).
#[derive(Debug, Clone, Copy)]
pub struct DailyCount {
    pub source_id: i64,
    pub day: i64,
    pub count: i64,
}

const USER_COLUMNS: &str = "id, name, role, password_hash, created_at, password_changed_at";

fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        // An unknown role in the database (edited by hand) gets the lesser rights.
        role: Role::parse(row.try_get("role")?).unwrap_or(Role::Moderator),
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
        password_changed_at: row.try_get("password_changed_at")?,
    })
}

impl Store {
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        now: i64,
    ) -> Result<User> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO users (name, role, password_hash, created_at, password_changed_at)
             VALUES ($1, $2, $3, $4, $4) RETURNING {USER_COLUMNS}"
        )))
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique_violation(e, || format!("user {name}")))?;
        user_from_row(&row)
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE name = $1"
        )))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Deletes an account and its sessions; false when there was none.
    pub async fn delete_user(&self, name: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM users WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Changes an account's role.
    pub async fn set_role(&self, user_id: i64, role: Role) -> Result<()> {
        let done = sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(user_id)
            .bind(role.as_str())
            .execute(&self.pool)
            .await?;
        self.found(done.rows_affected(), || format!("user {user_id}"))
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Sets a new password and ends every session of the account, in one transaction.
    pub async fn set_password(&self, user_id: i64, password_hash: &str, now: i64) -> Result<()> {
        let (_writer, mut tx) = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1",
        )
        .bind(user_id)
        .bind(password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM admin_sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.found(done.rows_affected(), || format!("user {user_id}"))
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account a live session belongs to; expired sessions are deleted on the way.
    pub async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} , s.expires_at FROM admin_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_at")? <= now {
            self.delete_session(token_hash).await?;
            return Ok(None);
        }
        user_from_row(&row).map(Some)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn record_login_failure(
        &self,
        user_name: &str,
        ip_hash: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (user_name, ip_hash, at) VALUES ($1, $2, $3)")
            .bind(user_name)
            .bind(ip_hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed logins since `since` for `user_name` and from `ip_hash`.
    pub async fn login_failures(
        &self,
        user_name: &str,
        ip_hash: &str,
        since: i64,
    ) -> Result<LoginFailures> {
        let row = sqlx::query(
            "SELECT
                (SELECT COUNT(*) FROM login_failures WHERE user_name = $1 AND at >= $3),
                (SELECT COUNT(*) FROM login_failures WHERE ip_hash = $2 AND at >= $3),
                (SELECT MAX(at) FROM login_failures WHERE user_name = $1 AND at >= $3)",
        )
        .bind(user_name)
        .bind(ip_hash)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(LoginFailures {
            for_name: row.try_get(0)?,
            from_ip: row.try_get(1)?,
            last_for_name: row.try_get(2)?,
        })
    }

    /// Forgets an account's failed logins (after a successful one) and any older than `before`.
    pub async fn clear_login_failures(&self, user_name: &str, before: i64) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE user_name = $1 OR at < $2")
            .bind(user_name)
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes expired sessions, failed logins older than `failures_before` and finished jobs
    /// older than `jobs_before`; returns how many rows went.
    pub async fn purge_desk_leftovers(
        &self,
        now: i64,
        failures_before: i64,
        jobs_before: i64,
    ) -> Result<u64> {
        let mut removed = 0;
        for (sql, bound) in [
            ("DELETE FROM admin_sessions WHERE expires_at <= $1", now),
            ("DELETE FROM login_failures WHERE at < $1", failures_before),
            (
                "DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < $1",
                jobs_before,
            ),
        ] {
            removed += sqlx::query(sql)
                .bind(bound)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(removed)
    }

    /// Records who did what; `detail` names the object (“source 4 “Valley Digest””).
    pub async fn audit(&self, user_name: &str, action: &str, detail: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, user_name, action, detail) VALUES ($1, $2, $3, $4)",
        )
        .bind(now)
        .bind(user_name)
        .bind(action)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The audit log, newest first.
    pub async fn audit_log(&self, limit: i64, offset: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, user_name, action, detail FROM audit_log ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    user_name: r.try_get("user_name")?,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    /// The runtime site settings the operator changed in the browser, by name.
    pub async fn site_settings(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT name, value FROM site_settings ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Stores settings (all or none); `None` removes a setting so the configuration file's
    /// value applies again.
    pub async fn set_site_settings(&self, settings: &[(&str, Option<&str>)]) -> Result<()> {
        let (_writer, mut tx) = self.begin_write().await?;
        for (name, value) in settings {
            match value {
                Some(value) => {
                    sqlx::query(
                        "INSERT INTO site_settings (name, value) VALUES ($1, $2)
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    )
                    .bind(name)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM site_settings WHERE name = $1")
                        .bind(name)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        self.bump_generation();
        Ok(())
    }

    /// Articles per source per day since `since` (by publication time).
    pub async fn articles_per_day(&self, since: i64) -> Result<Vec<DailyCount>> {
        let rows = sqlx::query(
            "SELECT source_id, published_at / 86400 AS day, COUNT(*) AS n FROM articles
             WHERE published_at >= $1 GROUP BY source_id, day ORDER BY day, source_id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DailyCount {
                    source_id: r.try_get("source_id")?,
                    day: r.try_get("day")?,
                    count: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Articles of one source published since `since`.
    pub async fn count_articles_of_source_since(&self, source_id: i64, since: i64) -> Result<i64> {
        Ok(
            sqlx::query(
                "SELECT COUNT(*) FROM articles WHERE source_id = $1 AND published_at >= $2",
            )
            .bind(source_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?,
        )
    }

    /// Comments per status (the moderation queue's size is `pending`).
    pub async fn comment_status_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) FROM comments GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Bytes the database uses (SQLite: pages in use times page size).
    pub async fn database_size(&self) -> Result<i64> {
        let sql = match self.backend {
            crate::Backend::Sqlite => {
                "SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size())"
            }
            crate::Backend::Postgres => "SELECT pg_database_size(current_database())",
        };
        let row = sqlx::query(sql).fetch_one(&self.pool).await?;
        Ok(row.try_get(0)?)
    }
}

//! The operator's include/exclude rules, and the recent articles a rule's dry-run runs over.

use crate::{Result, Store};
use linkx_core::rules::{Rule, RuleAction, RuleField, RuleKind, RuleSet};
use sqlx::Row;

/// A rule as stored (and shown on the rules page).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleRow {
    pub id: i64,
    pub source_id: Option<i64>,
    pub source_name: Option<String>,
    pub action: String,
    pub field: String,
    pub kind: String,
    pub pattern: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A rule to store (checked by `Rule::new` first).
#[derive(Debug, Clone, Copy)]
pub struct NewRule<'a> {
    pub source_id: Option<i64>,
    pub action: RuleAction,
    pub field: RuleField,
    pub kind: RuleKind,
    pub pattern: &'a str,
}

/// A stored article as a rule sees it (categories are not stored: category rules apply to new
/// items only).
#[derive(Debug, Clone)]
pub struct RuleSample {
    pub id: i64,
    pub source_id: i64,
    pub title: String,
    pub text: String,
    pub author: Option<String>,
    pub url: String,
    pub published_at: i64,
}

impl Store {
    pub async fn add_rule(&self, rule: &NewRule<'_>, by: &str, now: i64) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO rules (source_id, action, field, kind, pattern, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(rule.source_id)
        .bind(rule.action.as_str())
        .bind(rule.field.as_str())
        .bind(rule.kind.as_str())
        .bind(rule.pattern.trim())
        .bind(by)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn delete_rule(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM rules WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn rules(&self) -> Result<Vec<RuleRow>> {
        let rows = sqlx::query(
            "SELECT r.id, r.source_id, s.name AS source_name, r.action, r.field, r.kind, r.pattern, r.created_by, r.created_at
             FROM rules r LEFT JOIN sources s ON s.id = r.source_id ORDER BY r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RuleRow {
                    id: r.try_get("id")?,
                    source_id: r.try_get("source_id")?,
                    source_name: r.try_get("source_name")?,
                    action: r.try_get("action")?,
                    field: r.try_get("field")?,
                    kind: r.try_get("kind")?,
                    pattern: r.try_get("pattern")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Every rule, compiled (a stored rule that no longer compiles is skipped, with a warning).
    pub async fn rule_set(&self) -> Result<RuleSet> {
        let mut set = Vec::new();
        for r in self.rules().await? {
            let (Some(action), Some(field), Some(kind)) = (
                RuleAction::parse(&r.action),
                RuleField::parse(&r.field),
                RuleKind::parse(&r.kind),
            ) else {
                continue;
            };
            match Rule::new(r.id, r.source_id, action, field, kind, &r.pattern) {
                Ok(rule) => set.push(rule),
                Err(e) => {
                    tracing::warn!(rule = r.id, error = %e, "skipping a rule that does not compile")
                }
            }
        }
        Ok(RuleSet(set))
    }

    /// Articles published since `since`, newest first, at most `limit` (for dry-runs).
    pub async fn rule_samples(&self, since: i64, limit: i64) -> Result<Vec<RuleSample>> {
        let rows = sqlx::query(
            "SELECT id, source_id, title, body_text, author, url, published_at FROM articles
             WHERE published_at >= $1 ORDER BY published_at DESC, id DESC LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RuleSample {
                    id: r.try_get("id")?,
                    source_id: r.try_get("source_id")?,
                    title: r.try_get("title")?,
                    text: r.try_get("body_text")?,
                    author: r.try_get("author")?,
                    url: r.try_get("url")?,
                    published_at: r.try_get("published_at")?,
                })
            })
            .collect()
    }
}

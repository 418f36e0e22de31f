//! Topics: operator-defined sections of the site, filled by a rule and by hand.

use crate::articles::{CARD_SELECT, view_from_row};
use crate::{ArticleView, Result, Store, unique_violation};
use linkx_core::slugify;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Topic {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// `keyword`, `regex` or `category`; `None`: by hand only.
    pub rule_kind: Option<String>,
    pub rule_field: Option<String>,
    pub rule_pattern: Option<String>,
    pub article_count: i64,
}

/// A new topic.
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub description: String,
    pub rule_kind: Option<String>,
    pub rule_field: Option<String>,
    pub rule_pattern: Option<String>,
}

const TOPIC_SELECT: &str = "SELECT t.id, t.slug, t.name, t.description, t.rule_kind, t.rule_field, t.rule_pattern,
    (SELECT COUNT(*) FROM topic_articles ta WHERE ta.topic_id = t.id) AS article_count FROM topics t";

fn topic_from_row(r: &AnyRow) -> Result<Topic> {
    Ok(Topic {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        rule_kind: r.try_get("rule_kind")?,
        rule_field: r.try_get("rule_field")?,
        rule_pattern: r.try_get("rule_pattern")?,
        article_count: r.try_get("article_count")?,
    })
}

impl Store {
    pub async fn add_topic(&self, topic: &NewTopic, now: i64) -> Result<Topic> {
        let slug = slugify(&topic.name);
        let row = sqlx::query(
            "INSERT INTO topics (slug, name, description, rule_kind, rule_field, rule_pattern, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&slug)
        .bind(topic.name.trim())
        .bind(topic.description.trim())
        .bind(&topic.rule_kind)
        .bind(&topic.rule_field)
        .bind(&topic.rule_pattern)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique_violation(e, || format!("a topic with the address /t/{slug}")))?;
        let id: i64 = row.try_get(0)?;
        self.bump_generation();
        self.topic(id)
            .await?
            .ok_or_else(|| crate::StoreError::NotFound(format!("topic {id}")))
    }

    pub async fn topic(&self, id: i64) -> Result<Option<Topic>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TOPIC_SELECT} WHERE t.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(topic_from_row).transpose()
    }

    pub async fn topic_by_slug(&self, slug: &str) -> Result<Option<Topic>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TOPIC_SELECT} WHERE t.slug = $1"
        )))
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(topic_from_row).transpose()
    }

    pub async fn topics(&self) -> Result<Vec<Topic>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TOPIC_SELECT} ORDER BY t.name"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(topic_from_row).collect()
    }

    pub async fn delete_topic(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM topics WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.bump_generation();
        Ok(done.rows_affected() > 0)
    }

    /// Files articles under a topic (`by_hand`: the operator did; a rule's filing never undoes it).
    pub async fn file_under_topic(
        &self,
        topic_id: i64,
        article_ids: &[i64],
        by_hand: bool,
    ) -> Result<u64> {
        if article_ids.is_empty() {
            return Ok(0);
        }
        let (_writer, mut tx) = self.begin_write().await?;
        let mut added = 0;
        for id in article_ids {
            added += sqlx::query(
                "INSERT INTO topic_articles (topic_id, article_id, by_hand)
                 SELECT $1, id, $3 FROM articles WHERE id = $2
                 ON CONFLICT (topic_id, article_id) DO UPDATE SET by_hand = CASE WHEN excluded.by_hand > topic_articles.by_hand
                     THEN excluded.by_hand ELSE topic_articles.by_hand END",
            )
            .bind(topic_id)
            .bind(id)
            .bind(i64::from(by_hand))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        self.bump_generation();
        Ok(added)
    }

    pub async fn unfile_from_topic(&self, topic_id: i64, article_id: i64) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM topic_articles WHERE topic_id = $1 AND article_id = $2")
                .bind(topic_id)
                .bind(article_id)
                .execute(&self.pool)
                .await?;
        self.bump_generation();
        Ok(done.rows_affected() > 0)
    }

    /// A topic's articles, newest first.
    pub async fn topic_articles(
        &self,
        topic_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleView>> {
        let sql = format!(
            "{CARD_SELECT} JOIN topic_articles ta ON ta.article_id = a.id WHERE ta.topic_id = $1
             ORDER BY a.published_at DESC, a.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(topic_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(view_from_row).collect()
    }

    /// A source's categories (what topics by category match).
    pub async fn set_source_categories(&self, source_id: i64, categories: &[String]) -> Result<()> {
        let text = categories.join(", ");
        let done = sqlx::query("UPDATE sources SET categories = $2 WHERE id = $1")
            .bind(source_id)
            .bind((!text.is_empty()).then_some(text))
            .execute(&self.pool)
            .await?;
        self.found(done.rows_affected(), || format!("source {source_id}"))
    }

    /// The categories of every source that has some, by source id.
    pub async fn source_categories(&self) -> Result<std::collections::HashMap<i64, Vec<String>>> {
        let rows = sqlx::query("SELECT id, categories FROM sources WHERE categories IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        let mut out = std::collections::HashMap::new();
        for r in &rows {
            let text: String = r.try_get("categories")?;
            out.insert(
                r.try_get("id")?,
                text.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
            );
        }
        Ok(out)
    }
}

impl Store {
    /// Every topic filled by a rule, with its matcher compiled (a rule that no longer compiles
    /// is skipped, with a warning).
    pub async fn topic_matchers(&self) -> Result<Vec<(i64, linkx_core::rules::TopicMatcher)>> {
        let mut out = Vec::new();
        for t in self.topics().await? {
            let (Some(kind), Some(pattern)) = (t.rule_kind.as_deref(), t.rule_pattern.as_deref())
            else {
                continue;
            };
            let field = t
                .rule_field
                .as_deref()
                .and_then(linkx_core::rules::RuleField::parse)
                .unwrap_or(linkx_core::rules::RuleField::Any);
            match linkx_core::rules::TopicMatcher::new(kind, field, pattern) {
                Ok(m) => out.push((t.id, m)),
                Err(e) => {
                    tracing::warn!(topic = t.id, error = %e, "skipping a topic rule that does not compile")
                }
            }
        }
        Ok(out)
    }
}

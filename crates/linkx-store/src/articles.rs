//! Articles: idempotent ingestion and the read queries of the site.

use crate::sources::{PollRecord, write_poll_record};
use crate::{Result, Store};
use linkx_core::Display;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{HashMap, HashSet};

/// An article ready to store; `canonical_key` deduplicates it across sources.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub guid: String,
    pub url: String,
    pub canonical_key: String,
    pub title: String,
    pub slug: String,
    pub author: Option<String>,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    /// Full plain text, kept internally for search and clustering whatever the display setting.
    pub body_text: String,
    pub excerpt: String,
    pub image_url: Option<String>,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    /// The outcome of fetching the article page for its full text (`None`: not tried).
    pub extraction: Option<String>,
    /// The feed's categories for the item: matched by the operator's rules, not stored.
    pub categories: Vec<String>,
    /// The item's language (BCP 47), when the feed says.
    pub language: Option<String>,
}

/// An article as the site shows it, with its source.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArticleView {
    pub id: i64,
    pub story_id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub source_slug: String,
    pub source_site_url: Option<String>,
    /// How readers see it: full text only when the source is marked so *and* carries a licence
    /// or a permission note.
    pub display: Display,
    pub source_licence: Option<String>,
    /// The source's pages ask search engines not to index them.
    pub source_noindex: bool,
    pub url: String,
    pub title: String,
    pub slug: String,
    pub author: Option<String>,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    pub excerpt: String,
    pub image_url: Option<String>,
    pub published_at: i64,
    pub updated_at: Option<i64>,
    /// The article this one copies, when clustering found it a near-copy.
    pub duplicate_of: Option<i64>,
    pub language: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SitemapEntry {
    pub id: i64,
    pub slug: String,
    pub lastmod: i64,
}

/// What one ingest changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestCounts {
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What one ingest changed, with the ids of the new articles (by their index in the input).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ingested {
    pub counts: IngestCounts,
    pub new_ids: Vec<(usize, i64)>,
    /// Articles whose stored text changed.
    pub updated_ids: Vec<i64>,
}

/// Other reports of its story an article page lists ("Also covered by"); a link leads to the
/// story's full coverage.
const COVERAGE_SHOWN: i64 = 50;

const VIEW_SELECT: &str = "SELECT a.id, COALESCE(a.story_id, a.id) AS story_id, a.source_id, s.name AS source_name, s.slug AS source_slug,
    s.site_url AS source_site_url, CASE WHEN s.display = 'full' AND (s.licence IS NOT NULL OR s.permission IS NOT NULL) THEN 'full' ELSE 'excerpt' END AS display, s.licence AS source_licence, s.noindex AS source_noindex,
    a.url, a.title, a.slug, a.author, a.summary_html, a.content_html, a.excerpt,
    a.image_url, a.published_at, a.updated_at, a.duplicate_of, a.language
    FROM articles a JOIN sources s ON s.id = a.source_id";

/// The same columns without the article bodies: listings show title and excerpt only, and
/// reading every body of a page of articles would dominate the cost of the page.
pub(crate) const CARD_SELECT: &str = "SELECT a.id, COALESCE(a.story_id, a.id) AS story_id, a.source_id, s.name AS source_name, s.slug AS source_slug,
    s.site_url AS source_site_url, CASE WHEN s.display = 'full' AND (s.licence IS NOT NULL OR s.permission IS NOT NULL) THEN 'full' ELSE 'excerpt' END AS display, s.licence AS source_licence, s.noindex AS source_noindex,
    a.url, a.title, a.slug, a.author, NULL AS summary_html, NULL AS content_html, a.excerpt,
    a.image_url, a.published_at, a.updated_at, a.duplicate_of, a.language
    FROM articles a JOIN sources s ON s.id = a.source_id";

pub(crate) fn view_from_row(row: &AnyRow) -> Result<ArticleView> {
    Ok(ArticleView {
        id: row.try_get("id")?,
        story_id: row.try_get("story_id")?,
        source_id: row.try_get("source_id")?,
        source_name: row.try_get("source_name")?,
        source_slug: row.try_get("source_slug")?,
        source_site_url: row.try_get("source_site_url")?,
        display: Display::parse(row.try_get("display")?).unwrap_or_default(),
        source_licence: row.try_get("source_licence")?,
        source_noindex: row.try_get::<i64, _>("source_noindex")? != 0,
        url: row.try_get("url")?,
        title: row.try_get("title")?,
        slug: row.try_get("slug")?,
        author: row.try_get("author")?,
        summary_html: row.try_get("summary_html")?,
        content_html: row.try_get("content_html")?,
        excerpt: row.try_get("excerpt")?,
        image_url: row.try_get("image_url")?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        duplicate_of: row.try_get("duplicate_of")?,
        language: row.try_get("language")?,
    })
}

impl Store {
    /// Stores a poll's articles and its outcome in one transaction. An article already stored
    /// (same source and GUID, or same canonical URL) is updated only when its content changed,
    /// so running the same poll twice changes nothing. `after_write` is called after each article
    /// written (fault injection hooks in here).
    pub async fn ingest(
        &self,
        source_id: i64,
        articles: &[NewArticle],
        record: &PollRecord,
        after_write: &mut (dyn FnMut() + Send),
    ) -> Result<Ingested> {
        let (_writer, mut tx) = self.begin_write().await?;
        let mut counts = IngestCounts::default();
        let mut new_ids = Vec::new();
        let mut updated_ids = Vec::new();
        for (index, article) in articles.iter().enumerate() {
            let existing = sqlx::query(
                "SELECT id, source_id, title, summary_html, content_html, updated_at FROM articles
                 WHERE (source_id = $1 AND guid = $2) OR canonical_key = $3 LIMIT 1",
            )
            .bind(source_id)
            .bind(&article.guid)
            .bind(&article.canonical_key)
            .fetch_optional(&mut *tx)
            .await?;
            match existing {
                None => {
                    let row = sqlx::query(
                        "INSERT INTO articles (source_id, guid, url, canonical_key, title, slug, author, summary_html, content_html,
                             body_text, excerpt, image_url, published_at, updated_at, fetched_at, extraction, language, clustered)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0)
                         ON CONFLICT DO NOTHING RETURNING id",
                    )
                    .bind(source_id)
                    .bind(&article.guid)
                    .bind(&article.url)
                    .bind(&article.canonical_key)
                    .bind(&article.title)
                    .bind(&article.slug)
                    .bind(&article.author)
                    .bind(&article.summary_html)
                    .bind(&article.content_html)
                    .bind(&article.body_text)
                    .bind(&article.excerpt)
                    .bind(&article.image_url)
                    .bind(article.published_at)
                    .bind(article.updated_at)
                    .bind(record.at)
                    .bind(&article.extraction)
                    .bind(&article.language)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(row) = row {
                        let id: i64 = row.try_get(0)?;
                        // Every article starts as a story of its own; clustering may then move it.
                        sqlx::query("UPDATE articles SET story_id = $1 WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(
                            "INSERT INTO stories (id, original_article_id, first_published_at, last_published_at, rank_at)
                             VALUES ($1, $1, $2, $2, $2)",
                        )
                        .bind(id)
                        .bind(article.published_at)
                        .execute(&mut *tx)
                        .await?;
                        counts.new += 1;
                        new_ids.push((index, id));
                        after_write();
                    } else {
                        counts.unchanged += 1;
                    }
                }
                Some(row) => {
                    let owner: i64 = row.try_get("source_id")?;
                    let same = owner != source_id
                        || (row.try_get::<String, _>("title")? == article.title
                            && row.try_get::<Option<String>, _>("summary_html")?
                                == article.summary_html
                            && row.try_get::<Option<String>, _>("content_html")?
                                == article.content_html);
                    if same {
                        counts.unchanged += 1;
                        continue;
                    }
                    let id: i64 = row.try_get("id")?;
                    sqlx::query(
                        "UPDATE articles SET title = $2, slug = $3, author = $4, summary_html = $5, content_html = $6, body_text = $7,
                             excerpt = $8, image_url = COALESCE($9, image_url), updated_at = $10,
                             language = COALESCE($11, language) WHERE id = $1",
                    )
                    .bind(id)
                    .bind(&article.title)
                    .bind(&article.slug)
                    .bind(&article.author)
                    .bind(&article.summary_html)
                    .bind(&article.content_html)
                    .bind(&article.body_text)
                    .bind(&article.excerpt)
                    .bind(&article.image_url)
                    .bind(article.updated_at.unwrap_or(record.at))
                    .bind(&article.language)
                    .execute(&mut *tx)
                    .await?;
                    counts.updated += 1;
                    updated_ids.push(id);
                    after_write();
                }
            }
        }
        let changed: Vec<i64> = new_ids
            .iter()
            .map(|(_, id)| *id)
            .chain(updated_ids.iter().copied())
            .collect();
        crate::index_log::note(&mut tx, &changed).await?;
        write_poll_record(
            &mut tx,
            source_id,
            record,
            i64::try_from(counts.new).unwrap_or(i64::MAX),
        )
        .await?;
        tx.commit().await?;
        self.bump_generation();
        Ok(Ingested {
            counts,
            new_ids,
            updated_ids,
        })
    }

    /// An article and the first [`COVERAGE_SHOWN`] other articles of its story, earliest
    /// first: what an article page shows, in one query (the story's page lists them all).
    pub async fn article_with_coverage(
        &self,
        id: i64,
    ) -> Result<Option<(ArticleView, Vec<ArticleView>)>> {
        let sql = format!(
            "SELECT * FROM ({CARD_SELECT} WHERE a.story_id = (SELECT story_id FROM articles WHERE id = $1) AND a.id <> $1
             ORDER BY a.published_at, a.id LIMIT {COVERAGE_SHOWN}) AS coverage UNION ALL {VIEW_SELECT} WHERE a.id = $1"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        let mut coverage: Vec<ArticleView> =
            rows.iter().map(view_from_row).collect::<Result<_>>()?;
        let Some(position) = coverage.iter().position(|a| a.id == id) else {
            return Ok(None);
        };
        let article = coverage.remove(position);
        Ok(Some((article, coverage)))
    }

    /// Which of `guids` this source already has: their pages need no second fetch.
    pub async fn known_guids(&self, source_id: i64, guids: &[&str]) -> Result<HashSet<String>> {
        let mut known = HashSet::new();
        for guid in guids {
            let row = sqlx::query("SELECT 1 FROM articles WHERE source_id = $1 AND guid = $2")
                .bind(source_id)
                .bind(*guid)
                .fetch_optional(&self.pool)
                .await?;
            if row.is_some() {
                known.insert((*guid).to_string());
            }
        }
        Ok(known)
    }

    /// The stored body text and full-text extraction outcome of one article, by source and
    /// GUID (operators' diagnostics and tests).
    pub async fn article_text(
        &self,
        source_id: i64,
        guid: &str,
    ) -> Result<Option<(String, Option<String>)>> {
        let row = sqlx::query(
            "SELECT body_text, extraction FROM articles WHERE source_id = $1 AND guid = $2",
        )
        .bind(source_id)
        .bind(guid)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    pub async fn article(&self, id: i64) -> Result<Option<ArticleView>> {
        let sql = format!("{VIEW_SELECT} WHERE a.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(view_from_row).transpose()
    }

    /// An article's slug, if the article is (still) stored: a primary-key lookup, for pages
    /// rendered earlier that must not outlive a takedown made by another process.
    pub async fn article_slug(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT slug FROM articles WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// Newest first, `limit` from `offset`, without bodies (for listings).
    pub async fn latest_articles(&self, limit: i64, offset: i64) -> Result<Vec<ArticleView>> {
        self.latest(CARD_SELECT, limit, offset).await
    }

    /// Newest first with their bodies (for feeds out).
    pub async fn latest_articles_with_bodies(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleView>> {
        self.latest(VIEW_SELECT, limit, offset).await
    }

    async fn latest(&self, select: &str, limit: i64, offset: i64) -> Result<Vec<ArticleView>> {
        // LIMIT and OFFSET as literals: bound, they make SQLite re-prepare the statement on every
        // run (measured: a third of the home page's cost). Both are integers, so this is safe.
        let sql = format!(
            "{select} ORDER BY a.published_at DESC, a.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(view_from_row).collect()
    }

    pub async fn articles_of_source(
        &self,
        source_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleView>> {
        let sql = format!(
            "{CARD_SELECT} WHERE a.source_id = $1 ORDER BY a.published_at DESC, a.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(source_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(view_from_row).collect()
    }
    /// A page of a story's articles as its full-coverage page lists them: the original first,
    /// then the copies, then the other reports and follow-ups, each by time. The order comes
    /// from the index on (story, time, id, copy of) alone, so a page of a story of thousands
    /// reads only its own articles.
    pub async fn story_articles(
        &self,
        story_id: i64,
        original_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ArticleView>> {
        // Integer literals, not bound parameters: see `latest`.
        let sql = format!(
            "SELECT a.id FROM articles a WHERE a.story_id = $1
             ORDER BY CASE WHEN a.id = $2 THEN 0 WHEN a.duplicate_of IS NOT NULL THEN 1 ELSE 2 END,
                      a.published_at, a.id LIMIT {} OFFSET {}",
            limit.max(0),
            offset.max(0)
        );
        let ids: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(story_id)
            .bind(original_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        let mut cards = self.cards(&ids).await?;
        let rank: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
        cards.sort_by_key(|a| rank.get(&a.id).copied().unwrap_or(usize::MAX));
        Ok(cards)
    }

    pub async fn count_articles(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM articles")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    pub async fn count_articles_of_source(&self, source_id: i64) -> Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM articles WHERE source_id = $1")
                .bind(source_id)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// Article pages for the sitemap, by id, `limit` from `offset`.
    pub async fn sitemap_entries(&self, limit: i64, offset: i64) -> Result<Vec<SitemapEntry>> {
        let rows = sqlx::query("SELECT id, slug, COALESCE(updated_at, published_at) AS lastmod FROM articles ORDER BY id LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SitemapEntry {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    lastmod: r.try_get("lastmod")?,
                })
            })
            .collect()
    }

    /// The article stored under this canonical URL key, or else the newest one with exactly
    /// this title (how imported comments find their article).
    pub async fn find_article(&self, canonical_key: &str, title: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT id FROM articles WHERE canonical_key = $1
             UNION ALL SELECT id FROM (SELECT id FROM articles WHERE title = $2 ORDER BY published_at DESC LIMIT 1) AS newest
             LIMIT 1",
        )
        .bind(canonical_key)
        .bind(title)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// What the search index needs of these articles (missing ids are left out).
    pub async fn index_rows(&self, ids: &[i64]) -> Result<Vec<IndexRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!("{INDEX_SELECT} WHERE a.id IN ({list})");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                out.push(index_row(row)?);
            }
        }
        Ok(out)
    }

    /// The highest article id (0 for an empty store): articles stored later have higher ids.
    pub async fn max_article_id(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM articles")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Up to `limit` articles with ids above `after_id`, in id order (rebuilding the index).
    pub async fn index_rows_after(&self, after_id: i64, limit: i64) -> Result<Vec<IndexRow>> {
        let sql = format!(
            "{INDEX_SELECT} WHERE a.id > $1 ORDER BY a.id LIMIT {}",
            limit.max(1)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(index_row).collect()
    }

    /// Listing cards of these articles (missing ids are left out), in no particular order.
    pub async fn cards(&self, ids: &[i64]) -> Result<Vec<ArticleView>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("{CARD_SELECT} WHERE a.id IN ({list})");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(view_from_row).collect()
    }

    /// The plain text of these articles, for search snippets.
    pub async fn texts(&self, ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT id, body_text FROM articles WHERE id IN ({list})");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

/// An article as the search index takes it.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub id: i64,
    pub story_id: i64,
    pub source_id: i64,
    pub source_slug: String,
    pub source_name: String,
    pub author: Option<String>,
    pub title: String,
    pub body_text: String,
    pub published_at: i64,
}

const INDEX_SELECT: &str =
    "SELECT a.id, COALESCE(a.story_id, a.id) AS story_id, a.source_id, s.slug AS source_slug,
    s.name AS source_name, a.author, a.title, a.body_text, a.published_at
    FROM articles a JOIN sources s ON s.id = a.source_id";

fn index_row(row: &AnyRow) -> Result<IndexRow> {
    Ok(IndexRow {
        id: row.try_get("id")?,
        story_id: row.try_get("story_id")?,
        source_id: row.try_get("source_id")?,
        source_slug: row.try_get("source_slug")?,
        source_name: row.try_get("source_name")?,
        author: row.try_get("author")?,
        title: row.try_get("title")?,
        body_text: row.try_get("body_text")?,
        published_at: row.try_get("published_at")?,
    })
}

//! Stories: which articles cover one event, which is the original, and how stories rank.

use crate::articles::{ArticleView, CARD_SELECT, view_from_row};
use crate::{Result, Store};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An article as the clustering engine needs it when rebuilt from the store.
#[derive(Debug, Clone)]
pub struct ClusterInput {
    pub id: i64,
    pub story_id: i64,
    pub title: String,
    pub body_text: String,
    pub published_at: i64,
    pub source_name: String,
}

/// The clustering decision for one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryAssignment {
    pub article_id: i64,
    pub story_id: i64,
    pub duplicate_of: Option<i64>,
    pub original_id: i64,
}

/// A story the clustering engine merged into another: a new report bridged two fragments of
/// one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryMerge {
    pub from: i64,
    pub into: i64,
}

/// Articles that left story `from` for a new story `story`, named after the first of them: the
/// clustering engine found `from` to be two events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorySplit {
    pub from: i64,
    pub story: i64,
    pub articles: Vec<i64>,
}

/// A story as listings show it: its lead (original) article and its breadth.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryView {
    pub id: i64,
    pub lead: ArticleView,
    pub article_count: i64,
    pub source_count: i64,
    pub copy_count: i64,
    pub first_published_at: i64,
    pub last_published_at: i64,
    /// Shown first on the home page until this time.
    pub pinned_until: Option<i64>,
    /// The operator's headline for the story (its articles keep their sources' titles).
    pub headline: Option<String>,
    /// Left off the home page by the operator.
    pub hidden: bool,
}

/// What the operator set on a story.
#[derive(Debug, Clone, Default)]
pub struct Curation {
    pub pinned_until: Option<i64>,
    pub headline: Option<String>,
    pub hidden: bool,
}

/// Stories joined with their lead (original) article.
fn story_select() -> String {
    format!(
        "SELECT st.id AS st_id, st.article_count, st.source_count, st.copy_count, st.first_published_at,
                st.last_published_at, st.pinned_until, st.headline, st.hidden, lead.* FROM stories st
         JOIN ({CARD_SELECT}) lead ON lead.id = st.original_article_id"
    )
}

/// A story row joined with its lead article (see `story_select`).
fn story_from_row(r: &AnyRow) -> Result<StoryView> {
    Ok(StoryView {
        id: r.try_get("st_id")?,
        lead: view_from_row(r)?,
        article_count: r.try_get("article_count")?,
        source_count: r.try_get("source_count")?,
        copy_count: r.try_get("copy_count")?,
        first_published_at: r.try_get("first_published_at")?,
        last_published_at: r.try_get("last_published_at")?,
        pinned_until: r.try_get("pinned_until")?,
        headline: r.try_get("headline")?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
    })
}

/// Breadth lifts a story: two hours per additional source, at most a day.
fn rank(last_published_at: i64, source_count: i64) -> i64 {
    last_published_at + (source_count - 1).clamp(0, 12) * 7200
}

impl Store {
    /// Articles published since `since`, oldest first, with their stories.
    pub async fn recent_for_clustering(&self, since: i64) -> Result<Vec<ClusterInput>> {
        let rows = sqlx::query(
            "SELECT a.id, COALESCE(a.story_id, a.id) AS story_id, a.title, a.body_text, a.published_at, s.name AS source_name
             FROM articles a JOIN sources s ON s.id = a.source_id WHERE a.published_at >= $1 ORDER BY a.published_at, a.id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(cluster_input).collect()
    }

    /// Articles with ids above `after_id`, published since `since`, that the story stage has
    /// placed (by any process), with their stories: what another worker's engine lacks.
    pub async fn placed_since(&self, after_id: i64, since: i64) -> Result<Vec<ClusterInput>> {
        let rows = sqlx::query(
            "SELECT a.id, COALESCE(a.story_id, a.id) AS story_id, a.title, a.body_text, a.published_at, s.name AS source_name
             FROM articles a JOIN sources s ON s.id = a.source_id
             WHERE a.id > $1 AND a.clustered = 1 AND a.published_at >= $2 ORDER BY a.id",
        )
        .bind(after_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(cluster_input).collect()
    }
}

fn cluster_input(r: &AnyRow) -> Result<ClusterInput> {
    Ok(ClusterInput {
        id: r.try_get("id")?,
        story_id: r.try_get("story_id")?,
        title: r.try_get("title")?,
        body_text: r.try_get("body_text")?,
        published_at: r.try_get("published_at")?,
        source_name: r.try_get("source_name")?,
    })
}

impl Store {
    /// Moves articles into their stories and updates each story's original, counts and rank
    /// incrementally (a story of thousands of articles costs no more than a small one), in one
    /// transaction.
    ///
    /// The articles are moved first and each story's row is updated once, at the end, in id
    /// order: a big story's row is what concurrent polls wait for (on PostgreSQL, a row lock
    /// held until the commit), so it is held for two statements rather than the whole batch, and
    /// two batches, each locking rows in id order, never wait on each other in a cycle.
    pub async fn assign_stories(&self, assignments: &[StoryAssignment]) -> Result<()> {
        self.place_stories(assignments, &[], &[]).await.map(|_| ())
    }

    /// [`Store::assign_stories`], with the stories merged and split in the same batch: first
    /// each merged story's articles move to the story it became part of (with its operator's
    /// pin and headline, where that story has none), its row goes, and its address redirects
    /// ([`Store::story_redirect`]); then the articles split off move to their new story (the
    /// story they left keeps its address and curation); then the assignments, where a story
    /// merged away (by this batch or earlier, perhaps by another worker whose engine has not
    /// seen it) means the one it became part of. Returns the articles the merges and splits
    /// moved: their search documents changed.
    pub async fn place_stories(
        &self,
        assignments: &[StoryAssignment],
        merges: &[StoryMerge],
        splits: &[StorySplit],
    ) -> Result<Vec<i64>> {
        if assignments.is_empty() && merges.is_empty() && splits.is_empty() {
            return Ok(Vec::new());
        }
        let (_writer, mut tx) = self.begin_write().await?;
        let mut joined: BTreeMap<i64, StoryDelta> = BTreeMap::new();
        let mut left: BTreeSet<i64> = BTreeSet::new();
        let mut redirects = Redirects::default();
        let mut moved = Vec::new();
        for merge in merges {
            let into = redirects.resolve(&mut tx, merge.into).await?;
            let from = redirects.resolve(&mut tx, merge.from).await?;
            if from == into || curated_apart(&mut tx, from, into).await? {
                continue;
            }
            moved.extend(merge_story(&mut tx, from, into).await?);
            // Earlier merges of this batch that led to `from` now lead on to `into`.
            for to in redirects.known.values_mut().filter(|to| **to == from) {
                *to = into;
            }
            redirects.known.insert(from, into);
            left.insert(into);
        }
        let batch: BTreeSet<i64> = assignments.iter().map(|a| a.article_id).collect();
        for split in splits {
            let from = redirects.resolve(&mut tx, split.from).await?;
            moved.extend(split_story(&mut tx, split, &batch).await?);
            // The new story's name may have been a story merged away: no longer.
            redirects.known.remove(&split.story);
            left.extend([from, split.story]);
        }
        crate::index_log::note(&mut tx, &moved).await?;
        for a in assignments {
            // A story named after the article is new: only this batch can have merged it away.
            let story = match a.story_id == a.article_id {
                true => redirects
                    .known
                    .get(&a.story_id)
                    .copied()
                    .unwrap_or(a.story_id),
                false => redirects.resolve(&mut tx, a.story_id).await?,
            };
            let a = &StoryAssignment {
                story_id: story,
                ..*a
            };
            let Some(row) =
                sqlx::query("SELECT story_id, source_id, published_at FROM articles WHERE id = $1")
                    .bind(a.article_id)
                    .fetch_optional(&mut *tx)
                    .await?
            else {
                continue;
            };
            let previous: Option<i64> = row.try_get("story_id")?;
            let source_id: i64 = row.try_get("source_id")?;
            let published: i64 = row.try_get("published_at")?;
            let delta = joined.entry(a.story_id).or_default();
            delta.original = a.original_id;
            if previous == Some(a.story_id) {
                sqlx::query("UPDATE articles SET duplicate_of = $2, clustered = 1 WHERE id = $1")
                    .bind(a.article_id)
                    .bind(a.duplicate_of)
                    .execute(&mut *tx)
                    .await?;
                continue;
            }
            // Articles moved earlier in this batch count: they were updated above.
            let new_source = sqlx::query(
                "SELECT 1 FROM articles WHERE story_id = $1 AND source_id = $2 LIMIT 1",
            )
            .bind(a.story_id)
            .bind(source_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none();
            sqlx::query(
                "UPDATE articles SET story_id = $2, duplicate_of = $3, clustered = 1 WHERE id = $1",
            )
            .bind(a.article_id)
            .bind(a.story_id)
            .bind(a.duplicate_of)
            .execute(&mut *tx)
            .await?;
            delta.add(published, new_source, a.duplicate_of.is_some());
            if let Some(previous) = previous {
                left.insert(previous);
            }
        }
        // Every story row this batch touches, in id order.
        let touched: BTreeSet<i64> = joined.keys().chain(&left).copied().collect();
        for story in touched {
            let mut recount = left.contains(&story);
            if let Some(delta) = joined.get(&story) {
                // A story without a row gets one, counted from its articles.
                recount |= apply_delta(&mut tx, story, delta).await? == Applied::Created;
            }
            if recount {
                recount_or_drop(&mut tx, story).await?;
            }
        }
        tx.commit().await?;
        self.bump_generation();
        Ok(moved)
    }

    /// The story that story `id`, merged away, became part of.
    pub async fn story_redirect(&self, id: i64) -> Result<Option<i64>> {
        let mut conn = self.pool.acquire().await?;
        redirect(&mut conn, id).await
    }

    /// Stories for the home page: recency plus breadth of coverage, best first; hidden stories
    /// and those pinned at `now` (shown apart, see `pinned_stories`) left out.
    pub async fn latest_stories(
        &self,
        limit: i64,
        offset: i64,
        now: i64,
    ) -> Result<Vec<StoryView>> {
        // Integer literals, not bound parameters: see `latest`.
        let sql = format!(
            "{} WHERE st.hidden = 0 AND (st.pinned_until IS NULL OR st.pinned_until <= {now})
             ORDER BY st.rank_at DESC, st.id DESC LIMIT {limit} OFFSET {offset}",
            story_select()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(story_from_row).collect()
    }

    /// Every story for the operator, hidden ones included, by rank.
    pub async fn stories_for_desk(&self, limit: i64, offset: i64) -> Result<Vec<StoryView>> {
        let sql = format!(
            "{} ORDER BY st.rank_at DESC, st.id DESC LIMIT {limit} OFFSET {offset}",
            story_select()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(story_from_row).collect()
    }

    /// Stories pinned at `now`, the one pinned longest first.
    pub async fn pinned_stories(&self, now: i64) -> Result<Vec<StoryView>> {
        let sql = format!(
            "{} WHERE st.hidden = 0 AND st.pinned_until > $1 ORDER BY st.pinned_until DESC, st.id DESC LIMIT 10",
            story_select()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(story_from_row).collect()
    }

    /// Sets what the operator decided for a story.
    pub async fn curate_story(&self, id: i64, curation: &Curation) -> Result<()> {
        let done = sqlx::query(
            "UPDATE stories SET pinned_until = $2, headline = $3, hidden = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(curation.pinned_until)
        .bind(
            curation
                .headline
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty()),
        )
        .bind(i64::from(curation.hidden))
        .execute(&self.pool)
        .await?;
        self.found(done.rows_affected(), || format!("story {id}"))
    }

    /// One story (its articles, a page at a time: [`Store::story_articles`]).
    pub async fn story(&self, id: i64) -> Result<Option<StoryView>> {
        let sql = format!("{} WHERE st.id = $1", story_select());
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| story_from_row(&r))
            .transpose()
    }
}

/// Story ids merged away, as one batch of assignments finds them.
#[derive(Default)]
struct Redirects {
    known: HashMap<i64, i64>,
}

impl Redirects {
    /// The story `story` is part of now: itself, or the one it was merged into.
    async fn resolve(&mut self, tx: &mut sqlx::AnyConnection, story: i64) -> Result<i64> {
        if let Some(&to) = self.known.get(&story) {
            return Ok(to);
        }
        // Redirects always name a story that was not merged away itself (`merge_story` points
        // the older ones on), so one lookup finds it.
        let to = redirect(tx, story).await?.unwrap_or(story);
        self.known.insert(story, to);
        Ok(to)
    }
}

/// Where the address of `story`, merged away, leads.
async fn redirect(conn: &mut sqlx::AnyConnection, story: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT to_id FROM story_redirects WHERE from_id = $1")
        .bind(story)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Whether the operator hid either story: a story kept off the home page is kept apart too, so
/// a merge neither shows its reports under a listed story nor hides a listed story's.
async fn curated_apart(tx: &mut sqlx::AnyConnection, from: i64, into: i64) -> Result<bool> {
    let hidden = sqlx::query("SELECT COUNT(*) FROM stories WHERE id IN ($1, $2) AND hidden <> 0")
        .bind(from)
        .bind(into)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>(0)?;
    Ok(hidden > 0)
}

/// Moves story `from`'s articles to `into`, carries its operator's pin and headline over where
/// `into` has none, drops its row and redirects its address. Returns the articles moved. `into`
/// is recounted by the caller.
///
/// `into` may have no row: a worker whose engine still holds a story that another worker's
/// assignments emptied. `from`'s row then becomes `into`'s, so its curation stays.
async fn merge_story(tx: &mut sqlx::AnyConnection, from: i64, into: i64) -> Result<Vec<i64>> {
    let moved: Vec<i64> = sqlx::query("SELECT id FROM articles WHERE story_id = $1 ORDER BY id")
        .bind(from)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    sqlx::query("UPDATE articles SET story_id = $2 WHERE story_id = $1")
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?;
    let curation = sqlx::query("SELECT pinned_until, headline FROM stories WHERE id = $1")
        .bind(from)
        .fetch_optional(&mut *tx)
        .await?;
    let mut carried = false;
    if let Some(row) = curation {
        let pinned: Option<i64> = row.try_get("pinned_until")?;
        let headline: Option<String> = row.try_get("headline")?;
        carried = sqlx::query(
            "UPDATE stories SET pinned_until = CASE WHEN $2 > COALESCE(pinned_until, 0) THEN $2 ELSE pinned_until END,
                 headline = COALESCE(headline, $3) WHERE id = $1",
        )
        .bind(into)
        .bind(pinned)
        .bind(headline)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
    }
    let row = match carried {
        true => sqlx::query("DELETE FROM stories WHERE id = $1").bind(from),
        false => (sqlx::query("UPDATE stories SET id = $2 WHERE id = $1").bind(from)).bind(into),
    };
    row.execute(&mut *tx).await?;
    sqlx::query("UPDATE story_redirects SET to_id = $2 WHERE to_id = $1")
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO story_redirects (from_id, to_id) VALUES ($1, $2)")
        .bind(from)
        .bind(into)
        .execute(&mut *tx)
        .await?;
    Ok(moved)
}

/// Moves the articles of a split to their new story, which gets a row (counted by the caller)
/// and loses any redirect its name had. Returns the articles moved; those of this `batch` move
/// with their assignments.
async fn split_story(
    tx: &mut sqlx::AnyConnection,
    split: &StorySplit,
    batch: &BTreeSet<i64>,
) -> Result<Vec<i64>> {
    sqlx::query("DELETE FROM story_redirects WHERE from_id = $1")
        .bind(split.story)
        .execute(&mut *tx)
        .await?;
    let mut moved = Vec::new();
    for &article in split.articles.iter().filter(|a| !batch.contains(a)) {
        let placed =
            sqlx::query("UPDATE articles SET story_id = $2 WHERE id = $1 AND story_id <> $2")
                .bind(article)
                .bind(split.story)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if placed > 0 {
            moved.push(article);
        }
    }
    let first = split.articles.iter().min().copied().unwrap_or(split.story);
    sqlx::query(
        "INSERT INTO stories (id, original_article_id, first_published_at, last_published_at, rank_at)
         VALUES ($1, $2, 0, 0, 0) ON CONFLICT (id) DO NOTHING",
    )
    .bind(split.story)
    .bind(first)
    .execute(&mut *tx)
    .await?;
    Ok(moved)
}

/// What one batch of assignments adds to a story.
#[derive(Default)]
struct StoryDelta {
    /// The story's original after the batch (the last assignment's).
    original: i64,
    articles: i64,
    sources: i64,
    copies: i64,
    /// The earliest and latest publication times of the articles that joined.
    published: Option<(i64, i64)>,
}

impl StoryDelta {
    fn add(&mut self, published: i64, new_source: bool, copy: bool) {
        self.articles += 1;
        self.sources += i64::from(new_source);
        self.copies += i64::from(copy);
        self.published = Some(match self.published {
            Some((first, last)) => (first.min(published), last.max(published)),
            None => (published, published),
        });
    }
}

#[derive(PartialEq)]
enum Applied {
    Updated,
    Created,
}

/// Writes a batch's additions to a story's row, or creates the row when the story has none.
async fn apply_delta(
    tx: &mut sqlx::AnyConnection,
    story: i64,
    delta: &StoryDelta,
) -> Result<Applied> {
    let Some((first, last)) = delta.published else {
        // Only the original changed (articles re-placed in the story they were in).
        sqlx::query("UPDATE stories SET original_article_id = $2 WHERE id = $1")
            .bind(story)
            .bind(delta.original)
            .execute(&mut *tx)
            .await?;
        return Ok(Applied::Updated);
    };
    let updated = sqlx::query(
        "UPDATE stories SET original_article_id = $2, article_count = article_count + $3,
             source_count = source_count + $4, copy_count = copy_count + $5,
             first_published_at = CASE WHEN $6 < first_published_at THEN $6 ELSE first_published_at END,
             last_published_at = CASE WHEN $7 > last_published_at THEN $7 ELSE last_published_at END
         WHERE id = $1 RETURNING last_published_at, source_count",
    )
    .bind(story)
    .bind(delta.original)
    .bind(delta.articles)
    .bind(delta.sources)
    .bind(delta.copies)
    .bind(first)
    .bind(last)
    .fetch_optional(&mut *tx)
    .await?;
    match updated {
        Some(r) => {
            let rank_at = rank(r.try_get("last_published_at")?, r.try_get("source_count")?);
            sqlx::query("UPDATE stories SET rank_at = $2 WHERE id = $1")
                .bind(story)
                .bind(rank_at)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO stories (id, original_article_id, first_published_at, last_published_at, rank_at)
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(story)
            .bind(delta.original)
            .bind(first)
            .bind(last)
            .execute(&mut *tx)
            .await?;
            return Ok(Applied::Created);
        }
    }
    Ok(Applied::Updated)
}

/// Refreshes a story an article left: gone when empty (the usual case, a story of one), else
/// recounted from its articles.
pub(crate) async fn recount_or_drop(tx: &mut sqlx::AnyConnection, story: i64) -> Result<()> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT source_id) AS sources, COUNT(duplicate_of) AS copies,
                MIN(published_at) AS first, MAX(published_at) AS last, MIN(id) AS earliest_id FROM articles WHERE story_id = $1",
    )
    .bind(story)
    .fetch_one(&mut *tx)
    .await?;
    let n: i64 = row.try_get("n")?;
    if n == 0 {
        sqlx::query("DELETE FROM stories WHERE id = $1")
            .bind(story)
            .execute(&mut *tx)
            .await?;
        return Ok(());
    }
    let sources: i64 = row.try_get("sources")?;
    let last: i64 = row.try_get("last")?;
    sqlx::query(
        "UPDATE stories SET article_count = $2, source_count = $3, copy_count = $4, first_published_at = $5,
             last_published_at = $6, rank_at = $7,
             original_article_id = CASE WHEN original_article_id IN (SELECT id FROM articles WHERE story_id = $1)
                                        THEN original_article_id ELSE $8 END
         WHERE id = $1",
    )
    .bind(story)
    .bind(n)
    .bind(sources)
    .bind(row.try_get::<i64, _>("copies")?)
    .bind(row.try_get::<i64, _>("first")?)
    .bind(last)
    .bind(rank(last, sources))
    .bind(row.try_get::<i64, _>("earliest_id")?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

//! Keeping the search index in step with the store. The pipeline notes new and changed
//! articles; they are indexed in batches (one commit per batch, not per article). The index is
//! derived data: when it is missing, damaged, from another version or out of step with the
//! store, it is rebuilt from the store, and the site serves meanwhile.

use linkx_search::{IndexDoc, Sample, SearchIndex};
use linkx_store::{IndexRow, Store};
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;

/// Articles read from the store per batch while rebuilding.
const REBUILD_BATCH: i64 = 2_000;
/// A rebuilt index learns which words are frequent from this many articles, read in
/// [`SAMPLE_RUNS`] runs spread over the archive.
const SAMPLE_ARTICLES: i64 = 20_000;
const SAMPLE_RUNS: i64 = 100;

pub fn index_doc(row: IndexRow) -> IndexDoc {
    // `source:` matches the slug's words and the name's; a slug of another script than Latin,
    // Cyrillic or Greek is the name's letters percent-encoded, whose escapes are no words.
    let slug = match row.source_slug.contains('%') {
        true => "",
        false => row.source_slug.as_str(),
    };
    IndexDoc {
        id: row.id,
        story_id: row.story_id,
        source_id: row.source_id,
        source: format!("{slug} {}", row.source_name),
        author: row.author,
        language: None,
        title: row.title,
        text: row.body_text,
        published_at: row.published_at,
    }
}

/// The index of a data directory, and whether it must be rebuilt (it was missing, damaged or
/// of another version, so it was started afresh).
pub fn open_index(data_dir: &Path) -> anyhow::Result<(SearchIndex, bool)> {
    let dir = data_dir.join("search");
    let existed = dir.join("meta.json").exists();
    match SearchIndex::open(&dir) {
        Ok(index) => Ok((index, !existed)),
        Err(e) => {
            tracing::warn!(error = %e, "search index unusable; rebuilding it from the store");
            SearchIndex::destroy(&dir)?;
            Ok((SearchIndex::open(&dir)?, true))
        }
    }
}

/// Runs blocking index work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, linkx_search::SearchError> + Send + 'static,
) -> anyhow::Result<T> {
    Ok(tokio::task::spawn_blocking(f).await??)
}

/// Adds the articles with ids above `after_id` (the ones stored since), calling `progress`
/// with the count so far after each batch; returns how many. `fresh`: the index holds none of
/// them (it was just cleared), so nothing needs replacing.
async fn index_after(
    store: &Store,
    index: &Arc<SearchIndex>,
    mut after_id: i64,
    fresh: bool,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<u64> {
    let mut done = 0u64;
    loop {
        let rows = store.index_rows_after(after_id, REBUILD_BATCH).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after_id = last.id;
        done += rows.len() as u64;
        let docs: Vec<IndexDoc> = rows.into_iter().map(index_doc).collect();
        let i = index.clone();
        blocking(move || if fresh { i.add(&docs) } else { i.upsert(&docs) }).await?;
        progress(done);
    }
    Ok(done)
}

/// A change made from the command line, for an index no server holds.
pub enum CliChange {
    /// Articles with ids above this were stored.
    StoredAfter(i64),
    /// A source and its articles were removed.
    RemovedSource(i64),
    /// These articles were removed (taken down).
    RemovedArticles(Vec<i64>),
}

/// Applies a CLI change to the index of `data_dir` (a fresh index is rebuilt whole).
pub async fn apply_cli_change(
    store: &Store,
    data_dir: &Path,
    change: CliChange,
) -> anyhow::Result<()> {
    let (index, fresh) = open_index(data_dir)?;
    let index = Arc::new(index);
    if fresh {
        rebuild(store, &index, |_, _| {}).await?;
        return Ok(());
    }
    match change {
        CliChange::StoredAfter(id) => {
            index_after(store, &index, id, false, &mut |_| {}).await?;
        }
        CliChange::RemovedSource(id) => {
            let i = index.clone();
            blocking(move || i.delete_source(id)).await?;
        }
        CliChange::RemovedArticles(ids) => {
            let i = index.clone();
            blocking(move || i.delete(&ids)).await?;
        }
    }
    let i = index.clone();
    blocking(move || i.commit()).await?;
    Ok(())
}

/// Rebuilds the index from every article in the store; `progress(done, total)` after each
/// batch. Returns how many articles were indexed.
pub async fn rebuild(
    store: &Store,
    index: &Arc<SearchIndex>,
    mut progress: impl FnMut(u64, u64) + Send,
) -> anyhow::Result<u64> {
    let count = store.count_articles().await?;
    let total = u64::try_from(count).unwrap_or(0);
    let sample = sample(store, count).await?;
    let i = index.clone();
    blocking(move || i.clear(&sample)).await?;
    let done = index_after(store, index, 0, true, &mut |done| progress(done, total)).await?;
    let i = index.clone();
    blocking(move || i.commit()).await?;
    Ok(done)
}

/// Counts the words of articles spread over the archive: runs start at even steps of the id
/// range `count` articles would span if their ids were dense.
async fn sample(store: &Store, count: i64) -> anyhow::Result<Sample> {
    let mut sample = Sample::new(u64::try_from(count).unwrap_or(0));
    let run = SAMPLE_ARTICLES / SAMPLE_RUNS;
    let step = (count / SAMPLE_RUNS).max(run);
    let mut start = 0;
    while i64::from(sample.articles()) < SAMPLE_ARTICLES {
        let rows = store.index_rows_after(start, run).await?;
        let Some(last) = rows.last() else {
            break;
        };
        // Never the same article twice, however sparse the ids.
        start = (start + step).max(last.id);
        let docs: Vec<IndexDoc> = rows.into_iter().map(index_doc).collect();
        sample.add(&docs);
    }
    Ok(sample)
}

/// Rebuilds when the index does not hold exactly the store's articles (a `linkx source remove`
/// or `linkx import` in another process, or a crash before a commit), or when the archive has
/// grown enough to learn its frequent words again. Returns whether it did.
pub async fn rebuild_if_out_of_step(
    store: &Store,
    index: &Arc<SearchIndex>,
    must: bool,
) -> anyhow::Result<bool> {
    let stored = u64::try_from(store.count_articles().await?).unwrap_or(0);
    if !must && index.len() == stored && !index.wants_relearning() {
        return Ok(false);
    }
    let indexed = rebuild(store, index, |_, _| {}).await?;
    tracing::info!(articles = indexed, "search index rebuilt");
    Ok(true)
}

/// How often a serving process's index reads the store's change log.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Log positions read again each round: on PostgreSQL a transaction that took an earlier
/// position can commit after one that took a later position.
const FOLLOW_OVERLAP: i64 = 256;

/// Keeps this process's search index following the store's change log (`index_changes`), so
/// articles that other processes store, update, shorten or remove reach it within seconds: each
/// change is re-read from the store and indexed, or deleted when the article is gone. A process
/// that fell behind the kept log, or whose index no longer holds the store's article count,
/// rebuilds.
pub async fn follow_store(store: Store, index: Arc<SearchIndex>) {
    let mut last = store.index_log_span().await.map_or(0, |(_, last)| last);
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        match follow_once(&store, &index, last).await {
            Ok(now_at) => last = now_at,
            Err(e) => {
                tracing::warn!(error = %e, "the search index could not follow the store this time");
            }
        }
    }
}

/// Applies the log after position `last` (less the overlap); returns the new position.
pub async fn follow_once(
    store: &Store,
    index: &Arc<SearchIndex>,
    last: i64,
) -> anyhow::Result<i64> {
    let (first, newest) = store.index_log_span().await?;
    if first > last + 1 && last > 0 {
        rebuild(store, index, |_, _| {}).await?;
        return Ok(newest);
    }
    let mut at = (last - FOLLOW_OVERLAP).max(0);
    let mut changed = false;
    loop {
        let changes = store.index_changes_after(at, REBUILD_BATCH).await?;
        let Some(&(end, _)) = changes.last() else {
            break;
        };
        at = end;
        changed |= end > last;
        let mut ids: Vec<i64> = changes.iter().map(|(_, id)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = store.index_rows(&ids).await?;
        let present: std::collections::HashSet<i64> = rows.iter().map(|r| r.id).collect();
        let gone: Vec<i64> = ids.into_iter().filter(|id| !present.contains(id)).collect();
        let docs: Vec<IndexDoc> = rows.into_iter().map(index_doc).collect();
        let i = index.clone();
        blocking(move || {
            i.upsert(&docs)?;
            i.delete(&gone)
        })
        .await?;
    }
    // A quiet round costs one small query: the commit and the count check (a change committed
    // out of order beyond the overlap shows there) only follow changes.
    if changed {
        let i = index.clone();
        blocking(move || i.commit()).await?;
        rebuild_if_out_of_step(store, index, false).await?;
    }
    Ok(at.max(last))
}

/// Articles noted that a poll indexes before it ends (see [`SearchSync::due`]).
const FLUSH_EVERY: usize = 4_000;

/// Articles waiting to be indexed, and the index they go to.
pub struct SearchSync {
    pub index: Arc<SearchIndex>,
    store: Store,
    pending: Mutex<Vec<i64>>,
    flush_every: usize,
}

impl SearchSync {
    pub fn new(index: Arc<SearchIndex>, store: Store) -> SearchSync {
        SearchSync {
            index,
            store,
            pending: Mutex::new(Vec::new()),
            flush_every: FLUSH_EVERY,
        }
    }

    /// Makes [`SearchSync::due`] true from `articles` noted articles on.
    pub fn flush_every(self, articles: usize) -> SearchSync {
        SearchSync {
            flush_every: articles.max(1),
            ..self
        }
    }

    /// Whether enough articles are noted to index them now rather than when the poll ends: a
    /// first poll stores tens of thousands, and indexing them a few thousand at a time keeps
    /// the index writer from holding them all at once (and they become searchable sooner).
    pub fn due(&self) -> bool {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).len() >= self.flush_every
    }

    /// Notes articles that are new or changed.
    pub fn note(&self, ids: impl IntoIterator<Item = i64>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.extend(ids);
    }

    /// Like [`SearchSync::flush`] for the pipeline, where a failure is logged: the index is
    /// derived data, and catches up when it is rebuilt.
    pub async fn flush_or_log(&self) {
        if let Err(e) = self.flush().await {
            tracing::warn!(error = %e, "could not update the search index; it catches up when rebuilt");
        }
    }

    /// Indexes everything noted so far in one commit; returns how many articles.
    pub async fn flush(&self) -> anyhow::Result<usize> {
        let mut ids = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            std::mem::take(&mut *pending)
        };
        if ids.is_empty() {
            return Ok(0);
        }
        ids.sort_unstable();
        ids.dedup();
        // In batches: a first poll notes tens of thousands of articles, and holding all their
        // texts at once would double the process's memory.
        let mut count = 0;
        for (n, batch) in ids.chunks(REBUILD_BATCH as usize).enumerate() {
            let rows = match self.store.index_rows(batch).await {
                Ok(rows) => rows,
                Err(e) => {
                    // Keep the rest for the next flush rather than losing them.
                    self.note(ids[n * REBUILD_BATCH as usize..].iter().copied());
                    return Err(e.into());
                }
            };
            let docs: Vec<IndexDoc> = rows.into_iter().map(index_doc).collect();
            count += docs.len();
            let index = self.index.clone();
            blocking(move || index.upsert(&docs)).await?;
        }
        let index = self.index.clone();
        blocking(move || index.commit()).await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_searched_by_its_name_and_its_slug_never_by_percent_escapes() {
        let row = |name: &str| IndexRow {
            id: 1,
            story_id: 1,
            source_id: 1,
            source_slug: linkx_core::slugify(name),
            source_name: name.into(),
            author: None,
            title: String::new(),
            body_text: String::new(),
            published_at: 0,
        };
        assert_eq!(index_doc(row("Le Café")).source, "le-cafe Le Café");
        assert_eq!(index_doc(row("新华社")).source, " 新华社");
    }
}

//! The story stage of the pipeline: places each new article in a story (or starts one), marks
//! near-copies and keeps each story's original, with the clustering engine of `linkx-cluster`.
//!
//! The engine is derived state: rebuilt from the store's recent articles when a process starts.

use linkx_cluster::{Clusterer, Config, Item};
use linkx_store::{Ingested, NewArticle, Store, StoreError, StoryAssignment};
use std::sync::Mutex;

/// How far back the engine is rebuilt: stories older than the clustering window are closed.
const REBUILD_WINDOW_SECS: i64 = 3 * 86_400;

pub struct StoryDesk {
    engine: Mutex<Clusterer>,
}

fn item(id: i64, title: &str, text: &str, published: i64, source: &str) -> Item {
    Item {
        id: id.to_string(),
        title: title.to_string(),
        text: text.to_string(),
        published: Some(published),
        source: Some(source.to_string()),
    }
}

impl StoryDesk {
    /// Rebuilds the engine from the articles of the last few days, keeping their stories.
    pub async fn load(store: &Store, now: i64) -> Result<StoryDesk, StoreError> {
        let mut engine = Clusterer::new(Config::default());
        for a in store
            .recent_for_clustering(now - REBUILD_WINDOW_SECS)
            .await?
        {
            let story = u64::try_from(a.story_id).unwrap_or_default();
            engine.restore(
                &item(a.id, &a.title, &a.body_text, a.published_at, &a.source_name),
                story,
            );
        }
        Ok(StoryDesk {
            engine: Mutex::new(engine),
        })
    }

    /// Assigns the newly stored articles of one ingest to stories and records the decisions.
    pub async fn assign(
        &self,
        store: &Store,
        articles: &[NewArticle],
        ingested: &Ingested,
        source_name: &str,
    ) -> Result<(), StoreError> {
        let decisions: Vec<StoryAssignment> = {
            let mut engine = self.engine.lock().unwrap_or_else(|p| p.into_inner());
            ingested
                .new_ids
                .iter()
                .filter_map(|&(index, id)| articles.get(index).map(|a| (a, id)))
                .map(|(a, id)| {
                    let placed = engine.assign_as(
                        &item(id, &a.title, &a.body_text, a.published_at, source_name),
                        id as u64,
                    );
                    let parse = |s: Option<&String>| s.and_then(|s| s.parse::<i64>().ok());
                    StoryAssignment {
                        article_id: id,
                        story_id: i64::try_from(placed.story).unwrap_or(id),
                        duplicate_of: parse(placed.duplicate_of.as_ref()),
                        original_id: parse(placed.original.as_ref()).unwrap_or(id),
                    }
                })
                .collect()
        };
        store.assign_stories(&decisions).await
    }
}

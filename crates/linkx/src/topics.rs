//! Filing new articles under the operator's topics, by each topic's rule.

use linkx_core::rules::Item;
use linkx_store::{Ingested, NewArticle, Store};

/// Files the newly stored `articles` of `source_id` under every topic whose rule matches them.
pub async fn file_new(
    store: &Store,
    source_id: i64,
    articles: &[NewArticle],
    ingested: &Ingested,
) -> linkx_store::Result<()> {
    if ingested.new_ids.is_empty() {
        return Ok(());
    }
    let matchers = store.topic_matchers().await?;
    if matchers.is_empty() {
        return Ok(());
    }
    let source_categories = store
        .source_categories()
        .await?
        .remove(&source_id)
        .unwrap_or_default();
    for (topic, matcher) in &matchers {
        let ids: Vec<i64> = ingested
            .new_ids
            .iter()
            .filter_map(|&(i, id)| articles.get(i).map(|a| (a, id)))
            .filter(|(a, _)| {
                matcher.matches(
                    &Item {
                        source_id,
                        title: &a.title,
                        text: &a.body_text,
                        author: a.author.as_deref(),
                        url: &a.url,
                        categories: &a.categories,
                    },
                    &source_categories,
                )
            })
            .map(|(_, id)| id)
            .collect();
        store.file_under_topic(*topic, &ids, false).await?;
    }
    Ok(())
}

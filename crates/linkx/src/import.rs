//! Local files into the pipeline: `linkx import FILE…` and the bundled `--demo` sample.
//! The same parse → process → store stages as polling, without HTTP.

use crate::process::articles_from_entries;
use crate::stories::StoryDesk;
use anyhow::Context;
use linkx_core::{Display, FullText};
use linkx_store::{NewSource, PollRecord, Store};
use std::path::Path;
use url::Url;

/// The bundled sample: fictional sources and articles written for the project.
/// Northfield is shown in full (as if it were the operator's own blog), the others as excerpts.
const DEMO_FEEDS: [(&str, Display, &str); 4] = [
    (
        "meridian-wire.xml",
        Display::Excerpt,
        include_str!("../demo/meridian-wire.xml"),
    ),
    (
        "lakeside-courier.xml",
        Display::Excerpt,
        include_str!("../demo/lakeside-courier.xml"),
    ),
    (
        "valley-digest.xml",
        Display::Excerpt,
        include_str!("../demo/valley-digest.xml"),
    ),
    (
        "northfield-tech.json",
        Display::Full,
        include_str!("../demo/northfield-tech.json"),
    ),
];

#[derive(Debug, Default, Clone, Copy)]
pub struct ImportCounts {
    pub files: usize,
    pub new_articles: u64,
}

/// Imports one feed document. Its source is found or created from the feed's own site link
/// (or `fallback_id`), is marked as not polled, and is shown in full only if `display` says so.
pub async fn import_feed(
    store: &Store,
    desk: &StoryDesk,
    bytes: &[u8],
    fallback_id: &str,
    display: Display,
    now: i64,
) -> anyhow::Result<u64> {
    let base = Url::parse(fallback_id).ok();
    let feed = linkx_feed::parse_feed(bytes, base.as_ref())
        .map_err(|e| anyhow::Error::new(crate::settings::UsageError(e.to_string())))?;
    let feed_url = feed
        .site_url
        .as_ref()
        .map_or_else(|| fallback_id.to_string(), |u| format!("{u}#imported"));
    let source = match store.source_by_feed_url(&feed_url).await? {
        Some(source) => source,
        None => {
            let name = feed.title.clone().unwrap_or_else(|| {
                fallback_id
                    .rsplit('/')
                    .next()
                    .unwrap_or(fallback_id)
                    .to_string()
            });
            let new = NewSource {
                name,
                feed_url: feed_url.clone(),
                site_url: feed.site_url.as_ref().map(Url::to_string),
                display,
                full_text: FullText::Never,
                polled: false,
                interval_secs: None,
                licence: None,
                // Only the bundled demo imports in full: its sample articles were written for it.
                permission: (display == Display::Full)
                    .then(|| "Sample articles written for the Link Exchange demo".to_string()),
            };
            store.add_source(&new, now).await?
        }
    };
    let mut articles = articles_from_entries(&feed.entries, now);
    crate::process::drop_blocked(&mut articles, &store.blocklist().await?);
    crate::process::apply_rules(&mut articles, &store.rule_set().await?, source.id);
    let record = PollRecord {
        at: now,
        next_check_at: i64::MAX,
        ..PollRecord::default()
    };
    let ingested = store
        .ingest(source.id, &articles, &record, &mut || {})
        .await?;
    crate::topics::file_new(store, source.id, &articles, &ingested).await?;
    // Articles moved by story merges are noted in the store's change log, which serving
    // processes follow.
    desk.assign(store, &articles, &ingested, &source.name)
        .await?;
    Ok(ingested.counts.new)
}

/// `linkx import FILE…`: each file must be a feed (RSS, Atom, JSON Feed), optionally gzipped.
pub async fn import_files(
    store: &Store,
    files: &[std::path::PathBuf],
    now: i64,
) -> anyhow::Result<ImportCounts> {
    let desk = StoryDesk::load(store, now).await?;
    let mut counts = ImportCounts::default();
    for file in files {
        let bytes = read_maybe_gzip(file)?;
        if linkx_feed::sniff(&bytes) == linkx_feed::Sniffed::Html {
            return Err(crate::settings::UsageError(format!(
                "{} is an HTML page: importing article pages needs article extraction, which is not built yet; import feed files (RSS, Atom, JSON Feed) for now",
                file.display()
            ))
            .into());
        }
        let id = Url::from_file_path(std::path::absolute(file).unwrap_or_else(|_| file.clone()))
            .map(|u| u.to_string())
            .unwrap_or_else(|_| file.display().to_string());
        let new = import_feed(store, &desk, &bytes, &id, Display::Excerpt, now)
            .await
            .with_context(|| format!("while importing {}", file.display()))?;
        counts.files += 1;
        counts.new_articles += new;
    }
    Ok(counts)
}

/// Imports the bundled demo sample; idempotent.
pub async fn import_demo(store: &Store, now: i64) -> anyhow::Result<ImportCounts> {
    let desk = StoryDesk::load(store, now).await?;
    let mut counts = ImportCounts::default();
    for (name, display, text) in DEMO_FEEDS {
        let new = import_feed(
            store,
            &desk,
            text.as_bytes(),
            &format!("demo:{name}"),
            display,
            now,
        )
        .await
        .with_context(|| format!("while importing the demo feed {name}"))?;
        counts.files += 1;
        counts.new_articles += new;
    }
    Ok(counts)
}

fn read_maybe_gzip(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let bytes = std::fs::read(path).map_err(|e| {
        anyhow::Error::new(crate::settings::UsageError(format!(
            "cannot read {}: {e}",
            path.display()
        )))
    })?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .take(256 * 1024 * 1024)
            .read_to_end(&mut out)
            .map_err(|e| {
                anyhow::Error::new(crate::settings::UsageError(format!(
                    "{} is not valid gzip: {e}",
                    path.display()
                )))
            })?;
        return Ok(out);
    }
    Ok(bytes)
}

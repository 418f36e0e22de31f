//! One function per CLI command: load settings, make the calls, print the result.

use crate::cli::Role;
use crate::cli::{Cli, Command, FeedCommand, SourceCommand};
use crate::clock::{Clock, SystemClock};
use crate::fetch::Fetcher;
use crate::poll::{PollContext, PollSummary, poll_due};
use crate::settings::{Settings, UsageError};
use crate::sources::{AddOptions, ensure_source, format_list};
use anyhow::Context;
use linkx_store::{NewSource, Store};
use linkx_web::{AppState, SiteInfo};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Environment variable for crash tests: abort the process after this many article writes.
pub const FAULT_ABORT_AFTER_WRITES: &str = "LINKX_FAULT_ABORT_AFTER_WRITES";

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.global.config.as_deref(), cli.global.data.as_deref())?;
    match cli.command {
        Command::Serve { listen, demo, role } => serve(settings, &listen, demo, role).await,
        Command::Poll { once } => poll(settings, once).await,
        Command::Import { files } => {
            let store = open_store(&settings).await?;
            let before = store.max_article_id().await?;
            let counts = crate::import::import_files(&store, &files, SystemClock.now()).await?;
            println!(
                "imported {} file(s): {} new article(s)",
                counts.files, counts.new_articles
            );
            catch_up_search_index(
                &settings,
                &store,
                crate::search::CliChange::StoredAfter(before),
            )
            .await;
            Ok(())
        }
        Command::Source { command } => source(settings, command).await,
        Command::Cluster { file } => cluster_file(&file),
        Command::Extract { url, files } => extract_files(url.as_deref(), &files),
        Command::Feed {
            command:
                FeedCommand::Parse {
                    file,
                    headers,
                    base_url,
                    no_sanitize,
                },
        } => feed_parse(&file, &headers, base_url.as_deref(), !no_sanitize),
        Command::Comments { command } => {
            let store = open_store(&settings).await?;
            crate::comments::run(&store, command).await
        }
        Command::Takedown {
            target,
            domain,
            reason,
        } => takedown(&settings, target.as_deref(), domain.as_deref(), &reason).await,
        Command::Backup { file } => backup(&settings, &file).await,
        Command::Retention { dry_run } => {
            let store = open_store(&settings).await?;
            let config = settings.config.retention;
            let now = SystemClock.now();
            if dry_run {
                let plan = crate::retention::plan(&store, &config, now).await?;
                println!("{}", crate::retention::describe(&plan, &config, true));
            } else {
                let index = crate::search::open_index(&settings.data_dir)
                    .ok()
                    .map(|(index, _)| Arc::new(index));
                let done = crate::retention::apply(&store, index.as_ref(), &config, now).await?;
                println!("{}", crate::retention::describe(&done, &config, false));
            }
            store.close().await;
            Ok(())
        }
        Command::Restore { file } => restore(&settings, &file).await,
        Command::Webmention { command } => webmention(&settings, command).await,
        Command::User { command } => {
            let store = open_store(&settings).await?;
            crate::users::run(&store, command).await
        }
        Command::Search {
            query,
            newest,
            page,
        } => search(&settings, &query.join(" "), newest, page).await,
        Command::Reindex => reindex(&settings).await,
        Command::Export { file } => export(&settings, &file).await,
        Command::ImportDb { file } => import_db(&settings, &file).await,
        Command::CheckConfig => check_config(&settings),
        Command::Migrate => {
            settings.ensure_data_dir()?;
            let store = Store::connect(&settings.storage_url)
                .await
                .context("while opening the database")?;
            let applied = store.migrate().await?;
            println!(
                "database {} ({:?}) is up to date ({} migration(s) applied now)",
                linkx_store::redact(&settings.storage_url),
                store.backend(),
                applied.len()
            );
            store.close().await;
            Ok(())
        }
    }
}

async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    settings.ensure_data_dir()?;
    Store::open(&settings.storage_url)
        .await
        .context("while opening the database")
}

async fn poll_context(
    settings: &Settings,
    store: Store,
    base_url: &str,
    search: Option<Arc<crate::search::SearchSync>>,
) -> anyhow::Result<Arc<PollContext>> {
    let abort_after_writes = match std::env::var(FAULT_ABORT_AFTER_WRITES) {
        Ok(v) => Some(
            v.parse::<u64>()
                .map_err(|_| UsageError(format!("{FAULT_ABORT_AFTER_WRITES} must be a number")))?,
        ),
        Err(_) => None,
    };
    Ok(Arc::new(PollContext {
        fetcher: Fetcher::new(settings.fetch_config(base_url))?,
        clock: Arc::new(SystemClock),
        policy: settings.policy(),
        concurrency: settings.config.poll.concurrency,
        abort_after_writes,
        writes: AtomicU64::new(0),
        stories: crate::stories::StoryDesk::load(&store, SystemClock.now()).await?,
        search,
        webmention_base: settings
            .config
            .webmention
            .enabled
            .then(|| base_url.trim_end_matches('/').to_string()),
        store,
    }))
}

/// Adds the sources of `[[sources]]` that the database does not have yet.
async fn sync_configured_sources(
    settings: &Settings,
    store: &Store,
    now: i64,
) -> anyhow::Result<usize> {
    let mut added = 0;
    for s in &settings.config.sources {
        let url = linkx_core::SourceUrl::parse(&s.url).map_err(|e| UsageError(e.to_string()))?;
        let new = NewSource {
            display: s.display,
            full_text: s.full_text,
            interval_secs: s.interval.map(|i| i64::try_from(i.0).unwrap_or(i64::MAX)),
            licence: s.licence.clone(),
            permission: s.permission.clone(),
            ..NewSource::feed(&url, s.name.as_deref())
        };
        if ensure_source(store, &new, now).await?.is_some() {
            added += 1;
        }
    }
    Ok(added)
}

/// Brings the search index in step with the store after a CLI change; when the server holds the
/// index, it catches up by itself at its next check.
async fn catch_up_search_index(
    settings: &Settings,
    store: &Store,
    change: crate::search::CliChange,
) {
    if let Err(e) = crate::search::apply_cli_change(store, &settings.data_dir, change).await {
        eprintln!(
            "note: search index not updated now ({e}); it is rebuilt when `linkx serve` starts, or with `linkx reindex`"
        );
    }
}

async fn search(settings: &Settings, query: &str, newest: bool, page: usize) -> anyhow::Result<()> {
    use linkx_web::search::{Problem, find_stories};
    let store = open_store(settings).await?;
    let (index, fresh) = crate::search::open_index(&settings.data_dir)?;
    let stored = u64::try_from(store.count_articles().await?).unwrap_or(0);
    if fresh || index.len() != stored {
        eprintln!(
            "note: the search index holds {} of {stored} articles; `linkx reindex` brings it up to date",
            index.len()
        );
    }
    let sort = if newest {
        linkx_search::SortBy::Newest
    } else {
        linkx_search::SortBy::Relevance
    };
    let base_url = settings.base_url(crate::settings::DEFAULT_LISTEN);
    match find_stories(&store, Arc::new(index), query, sort, page).await {
        Ok(outcome) => {
            println!(
                "{} article(s) in {} stor{} match",
                outcome.matched_articles,
                outcome.stories_total,
                if outcome.stories_total == 1 {
                    "y"
                } else {
                    "ies"
                }
            );
            for hit in &outcome.stories {
                let a = &hit.article;
                let when = chrono::DateTime::from_timestamp(a.published_at, 0)
                    .unwrap_or_default()
                    .format("%Y-%m-%d %H:%M");
                println!("\n{} — {}, {when}", a.title, a.source_name);
                println!("  {base_url}/a/{}/{}", a.id, a.slug);
                let snippet = linkx_core::text::html_to_text(&hit.snippet_html);
                if !snippet.is_empty() {
                    println!("  {}", snippet.replace('\n', " "));
                }
                if hit.more > 0 {
                    println!(
                        "  and {} more report(s): {base_url}/s/{}",
                        hit.more, a.story_id
                    );
                }
            }
            Ok(())
        }
        Err(Problem::Query(message)) => Err(UsageError(message).into()),
        Err(Problem::Unavailable(message)) => Err(anyhow::anyhow!(message)),
        Err(Problem::Internal(e)) => Err(e.into()),
    }
}

fn rows_bar(what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} rows ({{per_sec}}, {{eta}} left)"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

async fn export(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    if file.exists() {
        return Err(UsageError(format!(
            "{} exists: choose a new file name (an export never overwrites anything)",
            file.display()
        ))
        .into());
    }
    let store = open_store(settings).await?;
    let out = std::fs::File::create_new(file)
        .with_context(|| format!("cannot create {}", file.display()))?;
    let mut out = std::io::BufWriter::new(out);
    let bar = rows_bar("exporting");
    let counts = store
        .export_to(&mut out, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    let counts = counts.with_context(|| format!("while writing {}", file.display()))?;
    let rows: i64 = counts.values().sum();
    println!(
        "exported {rows} rows of {} tables to {} ({} articles, {} sources, {} comments)",
        counts.len(),
        file.display(),
        counts.get("articles").unwrap_or(&0),
        counts.get("sources").unwrap_or(&0),
        counts.get("comments").unwrap_or(&0)
    );
    store.close().await;
    Ok(())
}

async fn import_db(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    let input = std::fs::File::open(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    let store = open_store(settings).await?;
    let bar = rows_bar("importing");
    let report = store
        .import_from(&mut std::io::BufReader::new(input), &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    let report =
        report.map_err(|e| UsageError(format!("{} was not imported: {e}", file.display())))?;
    println!("{:<22} {:>10} {:>10}", "table", "export", "stored");
    for (table, expected) in &report.expected {
        let stored = report.stored.get(table).copied().unwrap_or(0);
        let mark = if stored == *expected {
            ""
        } else {
            "  MISMATCH"
        };
        println!("{table:<22} {expected:>10} {stored:>10}{mark}");
    }
    store.close().await;
    if !report.verified() {
        anyhow::bail!("the store does not hold what the export holds (see MISMATCH above)");
    }
    println!(
        "verified: every table holds the export's rows. Run `linkx reindex` to build the search index."
    );
    Ok(())
}

async fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let (index, _) = crate::search::open_index(&settings.data_dir)?;
    let index = Arc::new(index);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} indexing [{bar:30}] {pos}/{len} articles ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let indexed = crate::search::rebuild(&store, &index, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(|e| {
        anyhow::anyhow!("{e}. Is `linkx serve` running on this data directory? It keeps the index up to date itself; stop it to rebuild by hand.")
    })?;
    bar.finish_and_clear();
    println!(
        "search index rebuilt: {indexed} article(s) in {:.1} s; {} frequent words indexed in pairs for phrase search",
        started.elapsed().as_secs_f64(),
        index.gram_words()
    );
    Ok(())
}

/// Privacy housekeeping: commenters' IP address hashes are kept 30 days, then cleared (hourly).
/// Hourly housekeeping: commenters' IP address hashes past their retention, expired admin
/// sessions, old failed logins and finished jobs older than a month; daily, `[retention]`.
async fn housekeeping(
    store: Store,
    index: Arc<linkx_search::SearchIndex>,
    retention: linkx_core::config::RetentionConfig,
) {
    let mut last_retention = 0;
    loop {
        let now = SystemClock.now();
        if now - last_retention >= 86_400 {
            last_retention = now;
            match crate::retention::apply(&store, Some(&index), &retention, now).await {
                Ok(done) if !done.trimmed.is_empty() || !done.deleted.is_empty() => {
                    tracing::info!(
                        "retention: {}",
                        crate::retention::describe(&done, &retention, false)
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "retention failed"),
            }
        }
        if let Err(e) = store
            .purge_desk_leftovers(
                now,
                now - linkx_web::admin::auth::FAILURE_WINDOW,
                now - 30 * 86_400,
            )
            .await
        {
            tracing::error!(error = %e, "clearing expired admin sessions and old jobs failed");
        }
        if let Err(e) = store.prune_index_log().await {
            tracing::error!(error = %e, "pruning the search change log failed");
        }
        let before = now - linkx_web::comments::IP_HASH_RETENTION;
        match store.purge_comment_ip_hashes(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                cleared = n,
                "forgot commenters' IP address hashes older than 30 days"
            ),
            Err(e) => tracing::error!(error = %e, "clearing old IP address hashes failed"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Sends due Webmentions every 30 s and checks the link-exchange partners daily.
async fn send_webmentions(ctx: Arc<PollContext>, base_url: String) {
    let mut last_partner_check = 0;
    loop {
        let now = SystemClock.now();
        if let Err(e) = crate::webmention::send_due(&ctx.store, &ctx.fetcher, now).await {
            tracing::error!(error = %e, "sending Webmentions failed");
        }
        if now - last_partner_check >= 86_400 {
            last_partner_check = now;
            if let Err(e) =
                crate::webmention::check_partners(&ctx.store, &ctx.fetcher, &base_url, now).await
            {
                tracing::error!(error = %e, "checking link-exchange partners failed");
            }
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}

/// Follows the curated default sources; idempotent. Returns how many were added.
pub async fn seed_default_sources(store: &Store, now: i64) -> anyhow::Result<usize> {
    let mut added = 0;
    for (name, url) in crate::defaults::DEFAULT_SOURCES {
        let url = linkx_core::SourceUrl::parse(url)
            .map_err(|e| anyhow::anyhow!("default source {url}: {e}"))?;
        let new = NewSource::feed(&url, Some(name));
        if ensure_source(store, &new, now).await?.is_some() {
            added += 1;
        }
    }
    Ok(added)
}

/// Shows the site's pages in `[site] language`: the shipped or the theme's catalogue. A language
/// without one keeps the English interface, with a warning.
fn install_interface_language(settings: &Settings) -> anyhow::Result<()> {
    let site = &settings.config.site;
    match linkx_web::i18n::Catalogue::for_language(&site.language, site.theme_dir.as_deref()) {
        Ok(Some(catalogue)) => linkx_web::i18n::install(catalogue),
        Ok(None) if !site.language.to_ascii_lowercase().starts_with("en") => {
            let shipped: Vec<&str> = linkx_web::i18n::SHIPPED.iter().map(|(l, _)| *l).collect();
            eprintln!(
                "warning: no interface translation for language {:?}; the pages stay in English. \
                 Shipped: en, {}; a theme can add one as locales/{}.toml",
                site.language,
                shipped.join(", "),
                site.language.to_ascii_lowercase()
            );
        }
        Ok(None) => {}
        Err(e) => return Err(UsageError(format!("interface translation: {e}")).into()),
    }
    Ok(())
}

/// Serves the site as `role`: `web` serves pages (stateless: every process reads the same
/// store), `worker` polls sources and runs the queued jobs, mail, Webmentions and
/// housekeeping, `all` both.
async fn serve(settings: Settings, listen: &str, demo: bool, role: Role) -> anyhow::Result<()> {
    let serves_pages = role != Role::Worker;
    let works = role != Role::Web;
    let new_site = settings.new_data_dir;
    let store = open_store(&settings).await?;
    let base_url = settings.base_url(listen);
    let site = SiteInfo {
        title: settings.config.site.title.clone(),
        description: settings.config.site.description.clone(),
        language: settings.config.site.language.clone(),
        base_url: base_url.clone(),
    };
    let (index, must_rebuild) = crate::search::open_index(&settings.data_dir)?;
    let index = Arc::new(index);
    let options = linkx_web::Options {
        comments: settings.config.comments.clone(),
        clock: Arc::new(SystemClock),
        theme_dir: settings.config.site.theme_dir.clone(),
        notifications: settings.config.smtp.url.is_some(),
        search: Some(index.clone()),
        data_dir: Some(settings.data_dir.clone()),
        webmention: settings.config.webmention.enabled,
    };
    // Checked when the configuration was loaded.
    if let Ok(tz) = settings.config.site.timezone.parse::<chrono_tz::Tz>() {
        linkx_web::view::set_site_timezone(tz);
    }
    install_interface_language(&settings)?;
    let state = AppState::new(store.clone(), site, options).await?;
    let server = if serves_pages {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            UsageError(format!("cannot listen on {listen}: {e}. Is another server using it? Choose another with --listen."))
        })?;
        let images = crate::images::ImageProxy::new(
            &Fetcher::new(settings.fetch_config(&base_url))?,
            state.keys(),
            settings.data_dir.join("images"),
        )?;
        let site = linkx_web::app(state.clone()).merge(crate::images::router(Arc::new(images)));
        tokio::spawn(
            axum::serve(
                listener,
                site.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .into_future(),
        )
    } else {
        tokio::spawn(async {
            let _ = tokio::signal::ctrl_c().await;
            Ok(())
        })
    };
    eprintln!("Link Exchange ({role:?}) is starting at {base_url}/");

    let now = SystemClock.now();
    if demo {
        let counts = crate::import::import_demo(&store, now).await?;
        eprintln!(
            "demo: imported {} sample feeds ({} new articles); no network sources added",
            counts.files, counts.new_articles
        );
    } else {
        if settings.config_file.is_none() && new_site {
            let added = seed_default_sources(&store, now).await?;
            eprintln!(
                "new site without linkx.toml: following {added} default news sources (edit them with `linkx source`)"
            );
        }
        sync_configured_sources(&settings, &store, now).await?;
    }
    // The demo is ready with its search index; a real site serves while a rebuild runs.
    // (A worker serves no search: its index is left as it is.)
    if serves_pages && demo {
        crate::search::rebuild_if_out_of_step(&store, &index, must_rebuild).await?;
        state.set_search_ready();
    } else if serves_pages {
        let (store, index, state) = (store.clone(), index.clone(), state.clone());
        tokio::spawn(async move {
            match crate::search::rebuild_if_out_of_step(&store, &index, must_rebuild).await {
                Ok(_) => state.set_search_ready(),
                Err(e) => tracing::error!(error = %e, "could not rebuild the search index"),
            }
        });
    }
    state.set_ready();
    eprintln!("ready: {base_url}/");
    if serves_pages && store.count_users().await? == 0 {
        eprintln!(
            "no operator account yet: create one with `linkx user add NAME --role admin` to use {base_url}/admin"
        );
    }
    if serves_pages {
        // Settings saved by another process of the site take effect here within a minute.
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                if let Err(e) = state.reload_settings().await {
                    tracing::error!(error = %e, "could not reload the site settings");
                }
            }
        });
    }
    if serves_pages {
        // What other processes store, change or remove reaches this process's search index
        // within seconds.
        tokio::spawn(crate::search::follow_store(store.clone(), index.clone()));
    }
    if !works {
        server
            .await
            .context("while serving")?
            .context("while serving")?;
        store.close().await;
        return Ok(());
    }
    tokio::spawn(housekeeping(
        store.clone(),
        index.clone(),
        settings.config.retention,
    ));
    if let Some(mailer) =
        crate::mail::Mailer::from_config(&settings.config.smtp, &base_url, &store).await?
    {
        let store = store.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = mailer.send_due(&store, SystemClock.now()).await {
                    tracing::error!(error = %e, "sending reply mail failed");
                }
                tokio::time::sleep(Duration::from_secs(20)).await;
            }
        });
    }

    let search = Arc::new(crate::search::SearchSync::new(index.clone(), store.clone()));
    let ctx = poll_context(&settings, store.clone(), &base_url, Some(search)).await?;
    tokio::spawn(crate::jobs::run_forever(
        crate::jobs::JobContext::new(ctx.clone(), settings.config.comments.clone(), &base_url)?,
        state.jobs_queued.clone(),
    ));
    if settings.config.webmention.enabled {
        tokio::spawn(send_webmentions(ctx.clone(), base_url.clone()));
    }
    if !demo {
        let metrics = state.metrics.clone();
        let (check_store, check_index) = (store.clone(), index.clone());
        tokio::spawn(async move {
            let mut rounds = 0u64;
            loop {
                rounds += 1;
                // Every 10 minutes: catch up with changes other processes made to the store.
                if rounds.is_multiple_of(40)
                    && let Err(e) =
                        crate::search::rebuild_if_out_of_step(&check_store, &check_index, false)
                            .await
                {
                    tracing::error!(error = %e, "could not bring the search index up to date");
                }
                let on_done = |r: &crate::poll::PollReport| {
                    metrics.polls.fetch_add(1, Ordering::Relaxed);
                    metrics
                        .articles_ingested
                        .fetch_add(r.new_items, Ordering::Relaxed);
                    if r.error.is_some() {
                        metrics.poll_failures.fetch_add(1, Ordering::Relaxed);
                    }
                };
                if let Err(e) = poll_due(ctx.clone(), false, |_| {}, on_done).await {
                    tracing::error!(error = %e, "poll round failed");
                }
                // Due times are at least poll.min_interval apart; checking every 15 s keeps
                // lateness small without busy-looping.
                tokio::time::sleep(Duration::from_secs(15)).await;
            }
        });
    }
    server
        .await
        .context("while serving")?
        .context("while serving")?;
    store.close().await;
    Ok(())
}

async fn poll(settings: Settings, once: bool) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    sync_configured_sources(&settings, &store, SystemClock.now()).await?;
    let base_url = settings.base_url(crate::settings::DEFAULT_LISTEN);
    let search = match crate::search::open_index(&settings.data_dir) {
        Ok((index, _)) => Some(Arc::new(crate::search::SearchSync::new(
            Arc::new(index),
            store.clone(),
        ))),
        Err(e) => {
            eprintln!("warning: search index not updated ({e}); `linkx reindex` rebuilds it");
            None
        }
    };
    let ctx = poll_context(&settings, store.clone(), &base_url, search).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} polling [{bar:30}] {pos}/{len} sources, {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let new_items = AtomicU64::new(0);
    let summary: PollSummary = poll_due(
        ctx.clone(),
        once,
        |n| bar.set_length(n as u64),
        |r| {
            let total = new_items.fetch_add(r.new_items, Ordering::Relaxed) + r.new_items;
            bar.set_message(format!("{total} new articles"));
            bar.inc(1);
        },
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "polled {} source(s): {} updated, {} not modified, {} failed; {} new article(s); {} request(s)",
        summary.sources,
        summary.ok,
        summary.not_modified,
        summary.failed,
        summary.new_items,
        ctx.fetcher.requests.load(Ordering::Relaxed)
    );
    for (name, error) in summary.failures.iter().take(20) {
        println!("  failed: {name}: {error}");
    }
    if summary.failures.len() > 20 {
        println!(
            "  … and {} more (see `linkx source list`)",
            summary.failures.len() - 20
        );
    }
    store.close().await;
    Ok(())
}

async fn source(settings: Settings, command: SourceCommand) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let now = SystemClock.now();
    match command {
        SourceCommand::Add {
            url,
            name,
            display,
            full_text,
            licence,
            permission,
        } => {
            let base_url = settings.base_url(crate::settings::DEFAULT_LISTEN);
            let fetcher = Fetcher::new(settings.fetch_config(&base_url))?;
            let options = AddOptions {
                name,
                display: display.into(),
                full_text: full_text.into(),
                interval_secs: None,
                licence,
                permission,
            };
            let added = crate::sources::add_source(&store, &fetcher, &url, options, now).await?;
            println!(
                "added source {} \"{}\" ({})",
                added.source.id, added.source.name, added.source.feed_url
            );
            for alt in added.alternatives {
                println!("  the page also offers {alt}");
            }
        }
        SourceCommand::List => print!("{}", format_list(&store.list_sources().await?)),
        SourceCommand::Remove { id } => {
            store.remove_source(id).await.map_err(|e| match e {
                linkx_store::StoreError::NotFound(what) => anyhow::Error::new(UsageError(format!(
                    "{what}: see `linkx source list` for the ids"
                ))),
                other => other.into(),
            })?;
            println!("removed source {id} and its articles");
            catch_up_search_index(
                &settings,
                &store,
                crate::search::CliChange::RemovedSource(id),
            )
            .await;
        }
        SourceCommand::ImportOpml { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
            let outlines = linkx_feed::parse_opml(&text);
            if outlines.is_empty() {
                return Err(UsageError(format!(
                    "{} lists no feeds (no <outline xmlUrl=…>)",
                    file.display()
                ))
                .into());
            }
            let bar = indicatif::ProgressBar::new(outlines.len() as u64);
            let (mut added, mut skipped) = (0, Vec::new());
            for o in &outlines {
                bar.inc(1);
                let url = match linkx_core::SourceUrl::parse(&o.xml_url) {
                    Ok(u) => u,
                    Err(e) => {
                        skipped.push(format!("{}: {e}", o.xml_url));
                        continue;
                    }
                };
                let new = NewSource {
                    site_url: o.html_url.clone(),
                    ..NewSource::feed(&url, o.title.as_deref())
                };
                if ensure_source(&store, &new, now).await?.is_some() {
                    added += 1;
                }
            }
            bar.finish_and_clear();
            println!(
                "{added} source(s) added, {} already followed, {} skipped",
                outlines.len() - added - skipped.len(),
                skipped.len()
            );
            for s in skipped {
                println!("  skipped {s}");
            }
        }
        SourceCommand::ExportOpml => {
            let outlines: Vec<_> = store
                .list_sources()
                .await?
                .into_iter()
                .filter(|s| s.polled)
                .map(|s| linkx_feed::OpmlOutline {
                    title: Some(s.name),
                    xml_url: s.feed_url,
                    html_url: s.site_url,
                })
                .collect();
            print!(
                "{}",
                linkx_feed::write_opml(&settings.config.site.title, &outlines)
            );
        }
    }
    store.close().await;
    Ok(())
}

fn spinner(message: String) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

async fn backup(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    if file.exists() {
        return Err(UsageError(format!(
            "{} exists: choose a new file name (a backup never overwrites anything)",
            file.display()
        ))
        .into());
    }
    let store = open_store(settings).await?;
    let bar = spinner(format!("writing a snapshot to {}", file.display()));
    let written = store.backup_into(file).await;
    bar.finish_and_clear();
    written.with_context(|| format!("while writing the backup {}", file.display()))?;
    let info = linkx_store::inspect_backup(file).await?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written to {} ({:.1} MB): {} sources, {} articles, {} comments",
        file.display(),
        size as f64 / 1_048_576.0,
        info.sources,
        info.articles,
        info.comments
    );
    store.close().await;
    Ok(())
}

async fn restore(settings: &Settings, file: &std::path::Path) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let db = settings
        .sqlite_path()
        .ok_or_else(|| UsageError(linkx_store::PG_BACKUP_GUIDANCE.into()))?;
    let info = linkx_store::inspect_backup(file)
        .await
        .map_err(|e| UsageError(format!("{} cannot be restored: {e}", file.display())))?;
    settings.ensure_data_dir()?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Copy first, so a failed copy leaves the current database untouched.
    let restoring = db.with_extension("db.restoring");
    let total = std::fs::metadata(file)?.len();
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("restoring [{bar:30}] {bytes}/{total_bytes}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    {
        let mut from = std::fs::File::open(file)?;
        let mut to = std::fs::File::create(&restoring)?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = from.read(&mut buf)?;
            if n == 0 {
                break;
            }
            to.write_all(&buf[..n])?;
            bar.inc(n as u64);
        }
        to.sync_all()?;
    }
    bar.finish_and_clear();
    // The current database is kept beside the restored one, never deleted.
    let mut kept = None;
    if db.exists() {
        let aside = db.with_extension(format!("db.before-restore-{}", SystemClock.now()));
        for suffix in ["", "-wal", "-shm"] {
            let from = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
            if from.exists() {
                std::fs::rename(&from, format!("{}{suffix}", aside.display()))?;
            }
        }
        kept = Some(aside);
    }
    std::fs::rename(&restoring, &db)?;
    let store = open_store(settings).await?;
    let (index, _) = crate::search::open_index(&settings.data_dir)?;
    let index = Arc::new(index);
    let bar = indicatif::ProgressBar::new(u64::try_from(info.articles).unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template("indexing [{bar:30}] {pos}/{len} articles")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let indexed = crate::search::rebuild(&store, &index, |done, _| bar.set_position(done)).await?;
    bar.finish_and_clear();
    println!(
        "restored {} sources, {} articles, {} comments from {}; search index rebuilt ({indexed} articles)",
        info.sources,
        info.articles,
        info.comments,
        file.display()
    );
    if let Some(kept) = kept {
        println!("the previous database is kept as {}", kept.display());
    }
    store.close().await;
    Ok(())
}

async fn takedown(
    settings: &Settings,
    target: Option<&str>,
    domain: Option<&str>,
    reason: &str,
) -> anyhow::Result<()> {
    use linkx_core::blocklist::Block;
    use linkx_store::TakedownTarget;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(UsageError("--reason must say why (it is kept on record)".into()).into());
    }
    let target = match (target, domain) {
        (_, Some(domain)) => TakedownTarget::Block(Block::domain(domain).map_err(UsageError)?),
        (Some(t), None) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            TakedownTarget::Article(
                t.parse()
                    .map_err(|_| UsageError(format!("{t}: not an article id")))?,
            )
        }
        (Some(t), None) => TakedownTarget::Block(Block::url(t).map_err(UsageError)?),
        (None, None) => {
            return Err(UsageError("give an article id, a URL or --domain".into()).into());
        }
    };
    let store = open_store(settings).await?;
    let result = store
        .take_down_target(&target, reason, "cli", SystemClock.now())
        .await
        .map_err(|e| match e {
            linkx_store::StoreError::NotFound(what) => {
                anyhow::Error::new(UsageError(format!("{what} does not exist")))
            }
            other => other.into(),
        })?;
    store
        .audit(
            "cli",
            "takedown",
            &format!("{} article(s) removed: {reason}", result.removed.len()),
            SystemClock.now(),
        )
        .await?;
    println!("took down {} article(s)", result.removed.len());
    if let Some(block) = &result.blocked {
        println!(
            "blocked {} {}: later polls will not store it again",
            block.kind.as_str(),
            block.value
        );
    }
    if !result.removed.is_empty() {
        catch_up_search_index(
            settings,
            &store,
            crate::search::CliChange::RemovedArticles(result.removed),
        )
        .await;
    }
    store.close().await;
    Ok(())
}

async fn webmention(
    settings: &Settings,
    command: crate::cli::WebmentionCommand,
) -> anyhow::Result<()> {
    let base_url = settings.base_url(crate::settings::DEFAULT_LISTEN);
    let fetcher = Fetcher::new(settings.fetch_config(&base_url))?;
    let parse = |s: &str, what: &str| {
        url::Url::parse(s).map_err(|e| UsageError(format!("{what} {s:?} is not a URL: {e}")))
    };
    match command {
        crate::cli::WebmentionCommand::Discover { url } => {
            let url = parse(&url, "URL")?;
            match crate::webmention::discover(&fetcher, &url)
                .await
                .with_context(|| format!("while fetching {url}"))?
            {
                Some(endpoint) => {
                    println!("{endpoint}");
                    Ok(())
                }
                None => Err(anyhow::anyhow!(format!(
                    "{url} advertises no Webmention endpoint (no Link header, <link> or <a> with rel=\"webmention\")"
                ))),
            }
        }
        crate::cli::WebmentionCommand::Send { source, target } => {
            parse(&source, "SOURCE")?;
            parse(&target, "TARGET")?;
            let outcome =
                crate::webmention::send(&fetcher, &source, &target, 99, SystemClock.now()).await;
            match outcome.status {
                "sent" => {
                    println!(
                        "sent to {} ({})",
                        outcome.endpoint.unwrap_or_default(),
                        outcome.response_status.unwrap_or_default()
                    );
                    Ok(())
                }
                "no_endpoint" => Err(anyhow::anyhow!(format!(
                    "{target} advertises no Webmention endpoint: nothing sent"
                ))),
                _ => Err(anyhow::anyhow!(
                    "not sent: {}",
                    outcome.error.unwrap_or_else(|| "unknown error".into())
                )),
            }
        }
    }
}

fn check_config(settings: &Settings) -> anyhow::Result<()> {
    let c = &settings.config;
    match &settings.config_file {
        Some(path) => println!("{}: OK", path.display()),
        None => {
            println!("no configuration file: using defaults (and LINKX_… environment variables)")
        }
    }
    println!(
        "site: {:?} at {}",
        c.site.title,
        settings.base_url(crate::settings::DEFAULT_LISTEN)
    );
    println!("storage: {}", settings.storage_url);
    println!(
        "poll: every {}–{} s, {} at once ({} per host), timeout {} s, max body {} bytes, private networks {}",
        c.poll.min_interval.0,
        crate::schedule::MAX_INTERVAL,
        c.poll.concurrency,
        c.poll.per_host,
        c.poll.timeout.0,
        c.poll.max_body.0,
        if c.poll.allow_private_networks {
            "allowed"
        } else {
            "refused"
        }
    );
    println!("sources in the file: {}", c.sources.len());
    Ok(())
}

fn extract_files(url: Option<&str>, files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0;
    for path in files {
        let shown = path.to_string_lossy();
        let bytes = std::fs::read(path).and_then(|raw| {
            if shown.ends_with(".gz") {
                let mut inflated = Vec::new();
                flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut inflated)?;
                Ok(inflated)
            } else {
                Ok(raw)
            }
        });
        let html = match bytes {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                eprintln!("{shown}: cannot read: {e}");
                failed += 1;
                continue;
            }
        };
        match linkx_extract::extract_article(&html, url) {
            Ok(article) => {
                serde_json::to_writer(&mut out, &article.to_json(&shown))?;
                out.write_all(b"\n")?;
            }
            Err(e) => {
                eprintln!("{shown}: {e}");
                failed += 1;
            }
        }
    }
    out.flush()?;
    if failed == files.len() {
        return Err(UsageError(format!("nothing could be extracted from {failed} file(s)")).into());
    }
    Ok(())
}

fn feed_parse(
    path: &std::path::Path,
    headers: &[String],
    base_url: Option<&str>,
    sanitize: bool,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let mut pairs = Vec::with_capacity(headers.len());
    for header in headers {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            UsageError(format!(
                "--header {header:?} is not of the form 'Name: value'"
            ))
        })?;
        pairs.push((name.trim(), value.trim()));
    }
    let options = linkx_feed::ParseOptions {
        headers: &pairs,
        base_url,
        sanitize,
    };
    let document = linkx_feed::parse_document(&bytes, &options)
        .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    let json = serde_json::to_string_pretty(&document.to_json())?;
    println!("{json}");
    Ok(())
}

/// `linkx cluster FILE.jsonl`: the clustering engine over a file, one output line per input line.
fn cluster_file(path: &std::path::Path) -> anyhow::Result<()> {
    use std::io::{BufRead, Write};
    let file = std::fs::File::open(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let mut engine = linkx_cluster::Clusterer::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut assignments, mut skipped) = (Vec::new(), 0_usize);
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("while reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match cluster_item(&line) {
            Ok(item) => {
                assignments.push(engine.assign(&item));
            }
            Err(why) => {
                eprintln!("{}:{}: skipped: {why}", path.display(), number + 1);
                skipped += 1;
            }
        }
    }
    let placed = assignments.len();
    // Written at the end, each item in the story it is part of then: a report arriving later
    // can merge stories (and names them in its `merged`) or split one (its `splits`).
    for (n, mut assignment) in assignments.into_iter().enumerate() {
        assignment.story = engine.story_of_item(n).unwrap_or(assignment.story);
        serde_json::to_writer(&mut out, &assignment)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if placed == 0 && skipped > 0 {
        return Err(UsageError(format!(
            "{}: no line is a JSON object with a string \"id\"",
            path.display()
        ))
        .into());
    }
    Ok(())
}

/// One input line: `id` (a string, or a number taken as its text) is required; `title` and
/// `text` may be missing or empty; `published` is RFC 3339 or Unix seconds.
fn cluster_item(line: &str) -> Result<linkx_cluster::Item, String> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let text_of = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let id = match value.get("id") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err("no \"id\"".to_string()),
    };
    let published = match value.get("published") {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp()),
        _ => None,
    };
    Ok(linkx_cluster::Item {
        id,
        title: text_of("title"),
        text: text_of("text"),
        published,
        source: value
            .get("source")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
    })
}
